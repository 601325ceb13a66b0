package dev.openaibeam.jsonl;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.google.common.hash.Hashing;
import dev.openaibeam.api.ApiError;
import dev.openaibeam.api.ApiFailure;
import dev.openaibeam.api.ApiResponse;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Output lines in the Batch API's format, so tools that read a batch's output and error files read
 * ours: {@code {"id","custom_id","response":{"status_code","request_id","body"},"error"}}. The id
 * is {@code batch_req_} and a hash of the custom id, stable from run to run. A row's {@code
 * metadata} follows when it has one. A failure answered by the service carries its status and
 * error body in {@code response} ({@code error} null), one that never got an answer has {@code
 * response} null and {@code error} {@code {"code","message"}}; failures also carry the {@code
 * request} and {@code url}, so a failures file replays as input.
 */
public final class BatchFormatLines {
  private static final JsonFactory FACTORY = new JsonFactory();

  private BatchFormatLines() {}

  /** The id of a row's line: stable for its custom id. */
  static String lineId(String customId) {
    return "batch_req_"
        + Hashing.sha256().hashString(customId, StandardCharsets.UTF_8).toString().substring(0, 32);
  }

  public static String resultLine(ApiResponse r) {
    StringWriter w = new StringWriter(r.getBody().length() + 192);
    try (JsonGenerator g = FACTORY.createGenerator(w)) {
      g.writeStartObject();
      String customId = r.getRequest().getId();
      g.writeStringField("id", lineId(customId));
      g.writeStringField("custom_id", customId);
      g.writeObjectFieldStart("response");
      g.writeNumberField("status_code", 200);
      g.writeStringField("request_id", r.getRequestId());
      JsonlLines.writeJson(g, "body", r.getBody());
      g.writeEndObject();
      g.writeNullField("error");
      if (r.getRequest().getMetadata() != null) {
        JsonlLines.writeJson(g, "metadata", r.getRequest().getMetadata());
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return w.toString();
  }

  public static String failureLine(ApiFailure f) {
    StringWriter w = new StringWriter(f.getRequest().getBody().length() + 320);
    try (JsonGenerator g = FACTORY.createGenerator(w)) {
      g.writeStartObject();
      String customId = f.getRequest().getId();
      g.writeStringField("id", lineId(customId));
      g.writeStringField("custom_id", customId);
      ApiError e = f.getError();
      if (e.getStatus() != null) {
        g.writeObjectFieldStart("response");
        g.writeNumberField("status_code", e.getStatus());
        g.writeStringField("request_id", e.getRequestId());
        g.writeObjectFieldStart("body");
        g.writeObjectFieldStart("error");
        g.writeStringField("message", e.getMessage());
        g.writeStringField("type", e.getType());
        g.writeNullField("param");
        g.writeStringField("code", e.getCode());
        g.writeEndObject();
        g.writeEndObject();
        g.writeEndObject();
        g.writeNullField("error");
      } else {
        g.writeNullField("response");
        g.writeObjectFieldStart("error");
        g.writeStringField("code", e.getCode() != null ? e.getCode() : e.getType());
        g.writeStringField("message", e.getMessage());
        g.writeEndObject();
      }
      if (f.getRequest().getMetadata() != null) {
        JsonlLines.writeJson(g, "metadata", f.getRequest().getMetadata());
      }
      // What replaying the line needs: the request as it was, and where it goes.
      JsonlLines.writeJson(g, "request", f.getRequest().getBody());
      g.writeStringField("url", f.getRequest().getEndpoint());
      g.writeNumberField("attempts", f.getAttempts());
      if (f.getSource() != null) {
        g.writeStringField("source", f.getSource());
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return w.toString();
  }
}
