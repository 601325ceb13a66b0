package dev.openaibeam.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.openaibeam.call.HopelessApiException;
import dev.openaibeam.http.CallOutcome;
import dev.openaibeam.http.HttpSettings;
import dev.openaibeam.http.RateLimitHeaders;
import dev.openaibeam.http.ResponseClassifier;
import dev.openaibeam.http.RetryPolicy;
import dev.openaibeam.http.Verdict;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The Files and Batches endpoints, called synchronously with {@link HttpClient}. Answers are
 * classified by the {@link ResponseClassifier} the online path uses: transient errors (5xx,
 * timeouts, resets, 429 rate limits) are retried here with backoff, an invalid key or exhausted
 * quota stops the run ({@link HopelessApiException}), anything else is a {@link BatchApiException}.
 * These few control calls are this path's only retry layer; the requests inside a batch are
 * never retried by the client, only resubmitted when the service did not run them.
 */
final class BatchApiClient implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpSettings http;
  private final @Nullable String apiKey;
  private final RetryPolicy retries;
  private final Random random = new Random();
  private final AtomicLong calls = new AtomicLong();
  private HttpClient client;

  BatchApiClient(HttpSettings http, @Nullable String apiKey, RetryPolicy retries) {
    this.http = http;
    this.apiKey = apiKey == null || apiKey.isEmpty() ? null : apiKey;
    this.retries = retries;
    this.client =
        HttpClient.newBuilder()
            // HTTP/1.1 as the call client does: predictable with any compatible server and proxy.
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(http.getConnectTimeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  /** HTTP requests sent so far (retries included). */
  long calls() {
    return calls.get();
  }

  /** {@code POST /v1/files} with {@code purpose=batch}; returns the file id. */
  String upload(String filename, byte[] jsonl) {
    String boundary = "openai-beam-" + UUID.randomUUID();
    ByteArrayOutputStream body = new ByteArrayOutputStream(jsonl.length + 512);
    write(body, "--" + boundary + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n");
    write(body, "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
        + filename + "\"\r\nContent-Type: application/jsonl\r\n\r\n");
    body.writeBytes(jsonl);
    write(body, "\r\n--" + boundary + "--\r\n");
    byte[] bytes = body.toByteArray();
    JsonNode file = call("upload " + filename, () -> request("/v1/files")
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)));
    return file.path("id").asText();
  }

  /** {@code POST /v1/batches}. */
  BatchInfo create(String inputFileId, String endpoint, String window, Map<String, String> metadata) {
    ObjectNode b = JSON.createObjectNode();
    b.put("input_file_id", inputFileId).put("endpoint", endpoint).put("completion_window", window);
    ObjectNode m = b.putObject("metadata");
    metadata.forEach(m::put);
    String json = b.toString();
    // One attempt: a timeout may have created the batch all the same, so the caller looks for it
    // (by its metadata) before creating again.
    return BatchInfo.parse(call("create batch", () -> request("/v1/batches")
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)), 1));
  }

  /** {@code GET /v1/batches/{id}}. */
  BatchInfo get(String batchId) {
    return BatchInfo.parse(call("get batch " + batchId, () -> request("/v1/batches/" + batchId).GET()));
  }

  /** {@code GET /v1/batches?limit=100}: the newest batches, to find one by its metadata. */
  Iterable<JsonNode> recent() {
    return call("list batches", () -> request("/v1/batches?limit=100").GET()).path("data");
  }

  /** {@code POST /v1/batches/{id}/cancel}. */
  BatchInfo cancel(String batchId) {
    return BatchInfo.parse(call("cancel batch " + batchId, () -> request("/v1/batches/" + batchId + "/cancel")
        .POST(HttpRequest.BodyPublishers.noBody())));
  }

  /** {@code GET /v1/files/{id}/content}: the JSONL text. */
  String content(String fileId) {
    return send("download " + fileId, () -> request("/v1/files/" + fileId + "/content").GET(),
        retries.getMaxAttempts(), true).body;
  }

  private HttpRequest.Builder request(String path) {
    String base = http.getBaseUrl();
    String p = base.endsWith("/v1") && path.startsWith("/v1/") ? path.substring(3) : path;
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + p)).timeout(http.getRequestTimeout());
    if (apiKey != null) {
      b.header("Authorization", "Bearer " + apiKey);
    }
    for (Map.Entry<String, String> h : http.getHeaders().entrySet()) {
      b.header(h.getKey(), h.getValue());
    }
    return b;
  }

  private JsonNode call(String what, RequestMaker maker) {
    return call(what, maker, retries.getMaxAttempts());
  }

  private JsonNode call(String what, RequestMaker maker, int maxAttempts) {
    JsonNode json = send(what, maker, maxAttempts, false).json;
    if (json == null) {
      throw new IllegalStateException(what + ": unparsable answer");
    }
    return json; // parsed once, by the classifier
  }

  /** A 2xx answer: its text, and its JSON when it is one object (not for a JSONL download). */
  private static final class Answer {
    final String body;
    final @Nullable JsonNode json;

    Answer(String body, @Nullable JsonNode json) {
      this.body = body;
      this.json = json;
    }
  }

  private interface RequestMaker {
    HttpRequest.Builder make();
  }

  /** Sends, retrying transient failures; returns the 2xx answer. {@code jsonl}: a file's lines. */
  private Answer send(String what, RequestMaker maker, int maxAttempts, boolean jsonl) {
    for (int attempt = 1; ; attempt++) {
      long start = System.nanoTime();
      calls.incrementAndGet();
      CallOutcome outcome;
      String body = null;
      try {
        HttpResponse<String> r = client.send(maker.make().build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        body = r.body();
        if (jsonl && r.statusCode() / 100 == 2) {
          return new Answer(body, null); // JSONL is not one JSON object: nothing to classify
        }
        outcome = ResponseClassifier.classify(r.statusCode(),
            name -> r.headers().firstValue(name).orElse(null), r.body(), System.nanoTime() - start,
            RateLimitHeaders.parse(r.headers()), apiKey);
        if (outcome.verdict() == Verdict.SUCCESS) {
          return new Answer(body, outcome.json());
        }
      } catch (IOException e) {
        outcome = CallOutcome.transportFailure(e, System.nanoTime() - start);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(what + ": interrupted", e);
      }
      if (outcome.verdict() == Verdict.FAIL_RUN) {
        throw new HopelessApiException(outcome.error());
      }
      if (outcome.verdict() != Verdict.RETRY || attempt >= maxAttempts) {
        throw new BatchApiException(what + " failed after " + attempt + " attempt(s)", outcome.error());
      }
      sleep(retries.delayMillis(attempt, outcome.retryAfterMillis(), random));
    }
  }

  private static void write(ByteArrayOutputStream out, String s) {
    out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(Math.max(0, millis));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public void close() {
    client = null;
  }
}
