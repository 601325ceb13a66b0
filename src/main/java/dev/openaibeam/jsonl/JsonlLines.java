package dev.openaibeam.jsonl;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openaibeam.api.ApiError;
import dev.openaibeam.api.ApiFailure;
import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.api.ApiResponse;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The output lines. JSON values we hold as text (request, response, metadata) are embedded raw when
 * they are valid JSON, so nothing is parsed into trees and written again on this hot path.
 */
public final class JsonlLines {
  private static final JsonFactory FACTORY = new JsonFactory();
  private static final ObjectMapper JSON = new ObjectMapper(FACTORY);

  private JsonlLines() {}

  /**
   * The answer a {@link #resultLine} holds (a result journal's line, read back on resume to be
   * written in another format).
   *
   * @throws IllegalArgumentException when the line is not a result line
   */
  public static ApiResponse parseResultLine(String line) {
    JsonNode n;
    try {
      n = JSON.readTree(line);
    } catch (IOException e) {
      throw new IllegalArgumentException("not a result line: " + e.getMessage(), e);
    }
    if (n == null || !n.path("id").isTextual() || !n.has("response")) {
      throw new IllegalArgumentException("not a result line: it has no id or response");
    }
    JsonNode metadata = n.get("metadata");
    ApiRequest request = ApiRequest.of(n.get("id").asText(), n.path("endpoint").asText(""),
        valueText(n.get("request")), metadata == null || metadata.isNull() ? null : metadata.toString());
    return ApiResponse.of(request, valueText(n.get("response")), n.path("attempts").asInt(1),
        n.path("latency_ms").asLong(0), n.path("request_id").asText(null),
        n.path("first_token_ms").asLong(-1));
  }

  /** A value written by {@link #writeJson}: raw JSON back as its text, a string as the string. */
  private static String valueText(@Nullable JsonNode v) {
    if (v == null || v.isNull()) {
      return "";
    }
    return v.isTextual() ? v.asText() : v.toString();
  }

  /**
   * {@code {"id","metadata","request","response","attempts","latency_ms","endpoint","request_id"}},
   * and {@code "first_token_ms"} for a streamed answer.
   */
  public static String resultLine(ApiResponse r) {
    StringWriter w = new StringWriter(r.getRequest().getBody().length() + r.getBody().length() + 128);
    try (JsonGenerator g = FACTORY.createGenerator(w)) {
      g.writeStartObject();
      g.writeStringField("id", r.getRequest().getId());
      writeJson(g, "metadata", r.getRequest().getMetadata());
      writeJson(g, "request", r.getRequest().getBody());
      writeJson(g, "response", r.getBody());
      g.writeNumberField("attempts", r.getAttempts());
      g.writeNumberField("latency_ms", r.getLatencyMillis());
      g.writeStringField("endpoint", r.getRequest().getEndpoint());
      if (r.getRequestId() != null) {
        g.writeStringField("request_id", r.getRequestId());
      }
      if (r.isStreamed()) {
        g.writeNumberField("first_token_ms", r.getFirstTokenMillis());
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return w.toString();
  }

  /**
   * {@code {"id","metadata","request","error":{...},"attempts","attempt_errors":[...],"endpoint",
   * "source"}}; the request is embedded as JSON when it is an object, else as the raw text.
   */
  public static String failureLine(ApiFailure f) {
    StringWriter w = new StringWriter(f.getRequest().getBody().length() + 256);
    try (JsonGenerator g = FACTORY.createGenerator(w)) {
      g.writeStartObject();
      g.writeStringField("id", f.getRequest().getId());
      writeJson(g, "metadata", f.getRequest().getMetadata());
      writeJson(g, "request", f.getRequest().getBody());
      g.writeFieldName("error");
      writeError(g, f.getError());
      g.writeNumberField("attempts", f.getAttempts());
      g.writeArrayFieldStart("attempt_errors");
      for (ApiError e : f.getAttemptErrors()) {
        writeError(g, e);
      }
      g.writeEndArray();
      g.writeStringField("endpoint", f.getRequest().getEndpoint());
      if (f.getSource() != null) {
        g.writeStringField("source", f.getSource());
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return w.toString();
  }

  static void writeError(JsonGenerator g, ApiError e) throws IOException {
    g.writeStartObject();
    if (e.getStatus() == null) {
      g.writeNullField("status");
    } else {
      g.writeNumberField("status", e.getStatus());
    }
    g.writeStringField("type", e.getType());
    g.writeStringField("code", e.getCode());
    g.writeStringField("message", e.getMessage());
    g.writeStringField("x_request_id", e.getRequestId());
    g.writeEndObject();
  }

  /** Writes {@code json} raw when it is one well-formed JSON value, else as a string. */
  static void writeJson(JsonGenerator g, String field, @Nullable String json)
      throws IOException {
    if (json == null) {
      g.writeNullField(field);
    } else if (isSingleJsonValue(json)) {
      g.writeFieldName(field);
      if (json.indexOf('\n') < 0 && json.indexOf('\r') < 0) {
        g.writeRawValue(json.strip());
      } else {
        // Pretty-printed (the OpenAI API indents its answers): compact it to keep one line.
        try (JsonParser p = FACTORY.createParser(json)) {
          p.nextToken();
          g.copyCurrentStructure(p);
        }
      }
    } else {
      g.writeStringField(field, json);
    }
  }

  /** Validates by streaming the tokens (no tree): one value, nothing after it. */
  static boolean isSingleJsonValue(String s) {
    try (JsonParser p = FACTORY.createParser(s)) {
      JsonToken t = p.nextToken();
      if (t == null) {
        return false;
      }
      p.skipChildren();
      return p.nextToken() == null;
    } catch (IOException e) {
      return false;
    }
  }
}
