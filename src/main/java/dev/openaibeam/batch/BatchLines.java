package dev.openaibeam.batch;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openaibeam.api.ApiError;
import dev.openaibeam.api.ErrorType;
import dev.openaibeam.streaming.StreamedRequests;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.checkerframework.checker.nullness.qual.Nullable;

/** The Batch API's line formats: input lines, and the lines of the output and error files. */
final class BatchLines {
  private static final JsonFactory FACTORY = new JsonFactory();
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What a line of an output or error file says about one request. */
  enum Kind {
    /** Answered 200: {@link Outcome#body} is the response body. */
    SUCCEEDED,
    /** Answered with an error, or refused: final, {@link Outcome#error} says why. */
    FAILED,
    /** Not run because the batch expired: may be sent again. */
    EXPIRED,
    /** Not run because the batch was cancelled. */
    CANCELLED
  }

  /** One parsed output or error line. */
  static final class Outcome {
    final String customId;
    final Kind kind;
    final @Nullable JsonNode body; // kept parsed: it is priced, then written as text once
    final @Nullable ApiError error;
    final @Nullable String requestId;

    Outcome(String customId, Kind kind, @Nullable JsonNode body, @Nullable ApiError error) {
      this(customId, kind, body, error, null);
    }

    Outcome(String customId, Kind kind, @Nullable JsonNode body, @Nullable ApiError error,
        @Nullable String requestId) {
      this.customId = customId;
      this.kind = kind;
      this.body = body;
      this.error = error;
      this.requestId = requestId;
    }
  }

  private BatchLines() {}

  /**
   * {@code {"custom_id","method":"POST","url","body"}}, the body embedded as sent, on one line. A
   * batch answers whole, never streamed: a request's {@code stream} (which the Batch API refuses)
   * is taken out.
   */
  static String inputLine(String customId, String endpoint, String body) {
    if (StreamedRequests.isStreamed(body)) {
      body = StreamedRequests.unstreamed(body);
    }
    StringWriter w = new StringWriter(body.length() + 96);
    try (JsonGenerator g = FACTORY.createGenerator(w)) {
      g.writeStartObject();
      g.writeStringField("custom_id", customId);
      g.writeStringField("method", "POST");
      g.writeStringField("url", endpoint);
      g.writeFieldName("body");
      if (body.indexOf('\n') < 0 && body.indexOf('\r') < 0) {
        g.writeRawValue(body.strip());
      } else {
        try (JsonParser p = FACTORY.createParser(body)) { // one line per request: compact it
          p.nextToken();
          g.copyCurrentStructure(p);
        }
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return w.toString();
  }

  /** Bytes the line takes in the file, its newline included. */
  static long lineBytes(String line) {
    return line.getBytes(StandardCharsets.UTF_8).length + 1L;
  }

  /** Parses one line of an output or error file; null for a blank or unreadable line. */
  static @Nullable Outcome parse(String line) {
    if (line.isBlank()) {
      return null;
    }
    JsonNode n;
    try {
      n = JSON.readTree(line);
    } catch (IOException e) {
      return null;
    }
    String customId = n.path("custom_id").asText(null);
    if (customId == null) {
      return null;
    }
    JsonNode response = n.get("response");
    JsonNode error = n.get("error");
    if (response != null && response.isObject()) {
      int status = response.path("status_code").asInt(0);
      String requestId = response.path("request_id").asText(null);
      JsonNode body = response.get("body");
      if (status >= 200 && status < 300 && body != null && body.isObject()) {
        return new Outcome(customId, Kind.SUCCEEDED, body, null, requestId);
      }
      JsonNode e = body == null ? null : body.has("error") ? body.get("error") : body;
      String message = e == null ? null : e.path("message").asText(null);
      return new Outcome(customId, Kind.FAILED, null, ApiError.fromService(status,
          e == null ? null : text(e.get("type")), e == null ? null : text(e.get("code")),
          message == null ? "HTTP " + status + " in the batch output" : message, requestId));
    }
    String code = error == null ? null : text(error.get("code"));
    String message = error == null ? "no response and no error" : error.path("message").asText("");
    if ("batch_expired".equals(code)) {
      return new Outcome(customId, Kind.EXPIRED, null, ApiError.of(ErrorType.BATCH_EXPIRED, null, code, message, null));
    }
    if ("batch_cancelled".equals(code)) {
      return new Outcome(customId, Kind.CANCELLED, null, ApiError.of(ErrorType.BATCH_CANCELLED, null, code, message, null));
    }
    return new Outcome(customId, Kind.FAILED, null, ApiError.of(ErrorType.BATCH_ERROR, null, code, message, null));
  }

  private static @Nullable String text(@Nullable JsonNode n) {
    return n == null || n.isNull() ? null : n.asText();
  }
}
