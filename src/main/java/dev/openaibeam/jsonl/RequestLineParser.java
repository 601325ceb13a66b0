package dev.openaibeam.jsonl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.openaibeam.api.ApiError;
import dev.openaibeam.api.ApiFailure;
import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.api.ErrorCode;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Turns one JSONL line into a request, or into a failure record that says, for a person, why it
 * is not one. Accepts, line by line: the cookbook's format (API parameters plus {@code metadata},
 * and here also {@code custom_id} and {@code url}, none of which is sent); the Batch API's input
 * format ({@code {"custom_id","method":"POST","url","body"}}, the body sent as it is); and the
 * failure lines of this project (in either output format), so a failures file replays as input.
 */
public final class RequestLineParser implements Serializable {
  public static final Set<String> ENDPOINTS =
      Set.of("/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/responses");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String defaultEndpoint;

  private RequestLineParser(String defaultEndpoint) {
    this.defaultEndpoint = defaultEndpoint;
  }

  public static RequestLineParser of(String defaultEndpoint) {
    return new RequestLineParser(normalizeEndpoint(defaultEndpoint));
  }

  /** The stable id of a line without {@code custom_id}: file name and line number. */
  public static String lineId(String sourceFile, long lineNumber) {
    int slash = Math.max(sourceFile.lastIndexOf('/'), sourceFile.lastIndexOf('\\'));
    return sourceFile.substring(slash + 1) + ":" + lineNumber;
  }

  /** A line of a file: its id, unless it names one, is {@link #lineId}. */
  public ParsedLine parse(String sourceFile, long lineNumber, byte[] bytes) {
    return parse(sourceFile + ":" + lineNumber, lineId(sourceFile, lineNumber), bytes);
  }

  /**
   * A line from anywhere (a record, a message): {@code source} says where it came from in failure
   * records, {@code id} is its id unless it names one ({@code custom_id}, a replayed id).
   */
  public ParsedLine parse(String source, String id, byte[] bytes) {
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      return bad(id, source, new String(bytes, StandardCharsets.UTF_8), null, ErrorCode.INVALID_UTF8,
          "line is not valid UTF-8 text");
    }
    if (text.isBlank()) {
      return bad(id, source, text, null, ErrorCode.EMPTY_LINE, "line is empty");
    }
    JsonNode node;
    try {
      node = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      return bad(id, source, text, null, ErrorCode.INVALID_JSON, "line is not valid JSON: " + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      return bad(id, source, text, null, ErrorCode.NOT_AN_OBJECT,
          "line must be a JSON object, found " + kind(node));
    }
    ObjectNode obj = (ObjectNode) node;
    if (obj.has("request") && obj.has("error")) {
      return replay(obj, id, source, text);
    }
    return request(obj, id, source, text);
  }

  /** A request line in either format: the Batch API's, or the cookbook's. */
  private ParsedLine request(ObjectNode obj, String lineId, String source, String text) {
    return isBatchLine(obj) ? batchLine(obj, lineId, source, text)
        : fromObject(obj, lineId, source, text, defaultEndpoint);
  }

  /** The Batch API's input line: {@code {"custom_id","method","url","body"}}, no top-level model. */
  private static boolean isBatchLine(ObjectNode obj) {
    return obj.has("body") && !obj.has("model") && (obj.has("url") || obj.has("method"));
  }

  /**
   * A Batch API input line: its body is sent exactly as it is (its own {@code metadata} included);
   * the row's metadata, if any, is a top-level {@code metadata} beside it.
   */
  private static ParsedLine batchLine(ObjectNode obj, String lineId, String source, String text) {
    String metadata = metadataOf(obj);
    JsonNode customId = obj.get("custom_id");
    String id = lineId;
    if (customId != null && !customId.isNull()) {
      if (!customId.isTextual() || customId.asText().isEmpty()) {
        return bad(lineId, source, text, metadata, ErrorCode.WRONG_TYPE, "custom_id must be a non-empty string");
      }
      id = customId.asText();
    }
    JsonNode method = obj.get("method");
    if (method != null && !(method.isTextual() && method.asText().equalsIgnoreCase("POST"))) {
      return bad(id, source, text, metadata, ErrorCode.WRONG_TYPE,
          "\"method\" must be \"POST\" (the Batch API's format), found " + kind(method));
    }
    JsonNode url = obj.get("url");
    if (url == null || !url.isTextual()) {
      return bad(id, source, text, metadata, ErrorCode.WRONG_TYPE,
          "a Batch API line needs \"url\", the endpoint as a string (\"/v1/chat/completions\")");
    }
    JsonNode body = obj.get("body");
    if (!body.isObject()) {
      return bad(id, source, text, metadata, ErrorCode.WRONG_TYPE,
          "\"body\" must be the request as a JSON object, found " + kind(body));
    }
    return checked((ObjectNode) body, id, normalizeEndpoint(url.asText()), metadata, source, text);
  }

  /**
   * A failure line of an earlier run (this project's format or the Batch API's): re-run its request
   * with its id and metadata. A request that was sent is sent again as it was; one that failed as
   * input is read again as the line it was.
   */
  private ParsedLine replay(ObjectNode failure, String lineId, String source, String text) {
    JsonNode request = failure.get("request");
    JsonNode idNode = failure.has("custom_id") ? failure.get("custom_id") : failure.get("id");
    String id = idNode != null && idNode.isTextual() ? idNode.asText() : lineId;
    String metadata = metadataOf(failure);
    if (!request.isObject()) {
      return bad(id, source, text, metadata, ErrorCode.NOT_REPLAYABLE,
          "failure record's request is not a JSON object (the original line was malformed)");
    }
    ObjectNode body = ((ObjectNode) request).deepCopy();
    JsonNode ep = failure.has("endpoint") ? failure.get("endpoint") : failure.get("url");
    if (ep == null || !ep.isTextual() || ep.asText().isEmpty()) {
      if (!body.has("custom_id")) {
        body.put("custom_id", id);
      }
      return request(body, id, source, text); // failed as input: the original line
    }
    return checked(body, id, normalizeEndpoint(ep.asText()), metadata, source, text);
  }

  private static ParsedLine fromObject(
      ObjectNode obj, String lineId, String source, String text, String endpointDefault) {
    String metadata = metadataOf(obj);
    JsonNode customId = obj.remove("custom_id");
    String id = lineId;
    if (customId != null && !customId.isNull()) {
      if (!customId.isTextual() || customId.asText().isEmpty()) {
        return bad(lineId, source, text, metadata, ErrorCode.WRONG_TYPE, "custom_id must be a non-empty string");
      }
      id = customId.asText();
    }
    obj.remove("metadata");
    String endpoint = endpointDefault;
    JsonNode url = obj.remove("url");
    if (url != null && !url.isNull()) {
      if (!url.isTextual()) {
        return bad(id, source, text, metadata, ErrorCode.WRONG_TYPE, "url must be a string");
      }
      endpoint = normalizeEndpoint(url.asText());
    }
    return checked(obj, id, endpoint, metadata, source, text);
  }

  /** The request {@code body} for {@code endpoint}, once its endpoint, model and fields check. */
  private static ParsedLine checked(
      ObjectNode body, String id, String endpoint, @Nullable String metadata, String source, String text) {
    if (!ENDPOINTS.contains(endpoint)) {
      return bad(id, source, text, metadata, ErrorCode.UNKNOWN_ENDPOINT,
          "unknown endpoint " + endpoint + "; supported: " + String.join(", ", ENDPOINTS));
    }
    JsonNode model = body.get("model");
    if (model == null || model.isNull()) {
      return bad(id, source, text, metadata, ErrorCode.MISSING_MODEL, "request has no \"model\"");
    }
    if (!model.isTextual() || model.asText().isEmpty()) {
      return bad(id, source, text, metadata, ErrorCode.WRONG_TYPE, "\"model\" must be a non-empty string");
    }
    String typeError = checkTypes(endpoint, body);
    if (typeError != null) {
      return bad(id, source, text, metadata, ErrorCode.WRONG_TYPE, typeError);
    }
    return ParsedLine.request(ApiRequest.of(id, endpoint, body.toString(), metadata));
  }

  /** Null when the fields the endpoint needs have the right types; else what is wrong. */
  private static @Nullable String checkTypes(String endpoint, ObjectNode obj) {
    switch (endpoint) {
      case "/v1/chat/completions":
        JsonNode messages = obj.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
          return "\"messages\" must be a non-empty array of message objects";
        }
        for (JsonNode m : messages) {
          if (!m.isObject()) {
            return "each entry of \"messages\" must be an object";
          }
        }
        break;
      case "/v1/completions":
        if (!stringOrArray(obj.get("prompt"))) {
          return "\"prompt\" must be a string or an array";
        }
        break;
      case "/v1/embeddings":
        if (!stringOrArray(obj.get("input"))) {
          return "\"input\" must be a string or an array";
        }
        break;
      default:
        if (!stringOrArray(obj.get("input"))) {
          return "\"input\" must be a string or an array";
        }
    }
    for (String f : new String[] {"max_tokens", "max_completion_tokens", "max_output_tokens"}) {
      JsonNode v = obj.get(f);
      if (v != null && !v.isNull() && !(v.isIntegralNumber() && v.asLong() >= 0)) {
        return "\"" + f + "\" must be a whole number >= 0, found " + kind(v);
      }
    }
    JsonNode n = obj.get("n");
    if (n != null && !n.isNull() && !(n.isIntegralNumber() && n.asLong() >= 1)) {
      return "\"n\" must be a whole number >= 1, found " + kind(n);
    }
    return null;
  }

  private static boolean stringOrArray(@Nullable JsonNode v) {
    return v != null && (v.isTextual() || v.isArray());
  }

  private static @Nullable String metadataOf(ObjectNode obj) {
    JsonNode m = obj.get("metadata");
    return m == null || m.isMissingNode() ? null : m.toString();
  }

  private static String kind(@Nullable JsonNode n) {
    if (n == null) {
      return "nothing";
    }
    if (n.isArray()) {
      return "an array";
    }
    if (n.isTextual()) {
      return "a string";
    }
    if (n.isNumber()) {
      return "a number (" + n.asText() + ")";
    }
    if (n.isBoolean()) {
      return "a boolean";
    }
    if (n.isNull()) {
      return "null";
    }
    return "an object";
  }

  static String normalizeEndpoint(String url) {
    int v1 = url.indexOf("/v1/");
    String path = v1 >= 0 ? url.substring(v1) : (url.startsWith("/") ? url : "/" + url);
    int q = path.indexOf('?');
    return q >= 0 ? path.substring(0, q) : path;
  }

  private static ParsedLine bad(
      String id, String source, String text, @Nullable String metadata, ErrorCode code, String reason) {
    ApiRequest request = ApiRequest.of(id, "", text, metadata);
    return ParsedLine.failure(
        ApiFailure.ofInput(request, ApiError.of(code, reason), source));
  }
}
