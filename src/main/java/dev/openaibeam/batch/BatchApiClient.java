package dev.openaibeam.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.openaibeam.api.HopelessApiException;
import dev.openaibeam.connection.OpenAiClient;
import dev.openaibeam.transport.BlockingCaller;
import dev.openaibeam.transport.CallFailedException;
import dev.openaibeam.transport.HttpTransport.Expect;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.entity.mime.HttpMultipartMode;
import org.apache.hc.client5.http.entity.mime.MultipartEntityBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;

/**
 * The Files and Batches endpoints, called one at a time through the connection's {@link
 * OpenAiClient} and its {@link BlockingCaller}: transient errors are retried there, an invalid key
 * or exhausted quota stops the run ({@link HopelessApiException}), anything else is a {@link
 * CallFailedException}. The requests inside a batch are never retried by the client, only
 * resubmitted when the service did not run them.
 */
final class BatchApiClient implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ContentType JSONL = ContentType.create("application/jsonl");

  private final OpenAiClient client;
  private final BlockingCaller caller;

  BatchApiClient(BatchConfiguration configuration) {
    // A few connections: the control calls of one step go one at a time.
    this.client = OpenAiClient.open(configuration.connection(), 4);
    this.caller = client.blocking(configuration.controlBackoff(), configuration.controlAttempts());
  }

  /** HTTP requests sent so far (retries included). */
  long calls() {
    return caller.calls();
  }

  /** {@code POST /v1/files} with {@code purpose=batch}; returns the file id. */
  String upload(String filename, byte[] jsonl) {
    HttpEntity form =
        MultipartEntityBuilder.create()
            .setMode(HttpMultipartMode.LEGACY) // as browsers and the official SDKs send it
            .addTextBody("purpose", "batch")
            .addBinaryBody("file", jsonl, JSONL, filename)
            .build();
    ByteArrayOutputStream body = new ByteArrayOutputStream(jsonl.length + 512);
    try {
      form.writeTo(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // in memory: does not happen
    }
    byte[] bytes = body.toByteArray();
    ContentType type = ContentType.parse(form.getContentType());
    return json("upload " + filename, () -> client.post("/v1/files", bytes, type), 0)
        .path("id").asText();
  }

  /** {@code POST /v1/batches}. */
  BatchInfo create(String inputFileId, String endpoint, String window, Map<String, String> metadata) {
    ObjectNode b = JSON.createObjectNode();
    b.put("input_file_id", inputFileId).put("endpoint", endpoint).put("completion_window", window);
    ObjectNode m = b.putObject("metadata");
    metadata.forEach(m::put);
    byte[] body = b.toString().getBytes(StandardCharsets.UTF_8);
    // One attempt: a timeout may have created the batch all the same, so the caller looks for it
    // (by its metadata) before creating again.
    return BatchInfo.parse(json("create batch",
        () -> client.post("/v1/batches", body, ContentType.APPLICATION_JSON), 1));
  }

  /** {@code GET /v1/batches/{id}}. */
  BatchInfo get(String batchId) {
    return BatchInfo.parse(json("get batch " + batchId, () -> client.get("/v1/batches/" + batchId), 0));
  }

  /** {@code GET /v1/batches?limit=100}: the newest batches, to find one by its metadata. */
  Iterable<JsonNode> recent() {
    return json("list batches", () -> client.get("/v1/batches?limit=100"), 0).path("data");
  }

  /** {@code POST /v1/batches/{id}/cancel}. */
  BatchInfo cancel(String batchId) {
    return BatchInfo.parse(json("cancel batch " + batchId,
        () -> client.post("/v1/batches/" + batchId + "/cancel", new byte[0], ContentType.APPLICATION_JSON), 0));
  }

  /** {@code GET /v1/files/{id}/content}: the JSONL text. */
  String content(String fileId) {
    return caller.call("download " + fileId, () -> client.get("/v1/files/" + fileId + "/content"),
        Expect.TEXT).body();
  }

  /** A call whose answer is one JSON object; {@code attempts} 0 for the configured number. */
  private JsonNode json(
      String what, Supplier<SimpleHttpRequest> request, int attempts) {
    return (attempts > 0 ? caller.call(what, request, Expect.JSON_OBJECT, attempts)
        : caller.call(what, request, Expect.JSON_OBJECT)).json();
  }

  @Override
  public void close() {
    client.close();
  }
}
