package dev.openaibeam.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.hash.Hashing;
import dev.openaibeam.tokens.TokenEstimate;
import dev.openaibeam.tokens.TokenEstimator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The emulator's Files and Batches endpoints: upload a JSONL file ({@code purpose=batch}), create a
 * batch on it, watch it go {@code validating → in_progress → finalizing → completed} (or {@code
 * failed}, {@code expired}, {@code cancelling → cancelled}), and download the output and error
 * files. Each line gets the same deterministic answer the online endpoints give ({@link Answers}).
 * Timing, per-line failures, expiry and cancellation follow a {@link BatchBehaviour} that can be
 * changed while running.
 */
final class BatchService implements AutoCloseable {
  static final Set<String> ENDPOINTS =
      Set.of("/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/responses");
  static final int MAX_LINES = 50_000;
  static final long MAX_FILE_BYTES = 200L * 1024 * 1024;
  private static final TokenEstimator TOKENS = TokenEstimator.create().withDefaultMaxTokens(1024);

  /** What a handler answers: status and JSON (or JSONL) body. */
  record Reply(int status, String body) {}

  private static final class StoredFile {
    final String id;
    final String filename;
    final String purpose;
    final long bytes;
    final long createdAt;
    final String content;
    final List<JsonNode> lines; // parsed input lines (purpose=batch), else empty

    StoredFile(String id, String filename, String purpose, String content, List<JsonNode> lines) {
      this.id = id;
      this.filename = filename;
      this.purpose = purpose;
      this.content = content;
      this.bytes = content.getBytes(StandardCharsets.UTF_8).length;
      this.createdAt = System.currentTimeMillis() / 1000;
      this.lines = lines;
    }

    ObjectNode toJson() {
      ObjectNode n = Answers.JSON.createObjectNode();
      n.put("id", id).put("object", "file").put("bytes", bytes).put("created_at", createdAt)
          .put("filename", filename).put("purpose", purpose).put("status", "processed");
      return n;
    }
  }

  private static final class Batch {
    final String id;
    final long number;
    final String inputFileId;
    final String endpoint;
    final String window;
    final JsonNode metadata;
    final Map<String, Long> times = new LinkedHashMap<>();
    String status = "validating";
    long total;
    long completed;
    long failed;
    String outputFileId;
    String errorFileId;
    ArrayNode errors;

    Batch(String id, long number, String inputFileId, String endpoint, String window, JsonNode metadata) {
      this.id = id;
      this.number = number;
      this.inputFileId = inputFileId;
      this.endpoint = endpoint;
      this.window = window;
      this.metadata = metadata;
      times.put("created_at", System.currentTimeMillis() / 1000);
    }

    synchronized ObjectNode toJson() {
      ObjectNode n = Answers.JSON.createObjectNode();
      n.put("id", id).put("object", "batch").put("endpoint", endpoint);
      if (errors == null) {
        n.putNull("errors");
      } else {
        n.putObject("errors").put("object", "list").set("data", errors);
      }
      n.put("input_file_id", inputFileId).put("completion_window", window).put("status", status);
      n.put("output_file_id", outputFileId).put("error_file_id", errorFileId);
      long created = times.get("created_at");
      for (String t : List.of("created_at", "in_progress_at", "finalizing_at", "completed_at",
          "failed_at", "expired_at", "cancelling_at", "cancelled_at")) {
        Long v = times.get(t);
        if (v == null) {
          n.putNull(t);
        } else {
          n.put(t, v);
        }
      }
      n.put("expires_at", created + 24 * 3600);
      n.putObject("request_counts").put("total", total).put("completed", completed).put("failed", failed);
      n.set("metadata", metadata == null ? Answers.JSON.nullNode() : metadata);
      return n;
    }

    void at(String what) {
      times.put(what, System.currentTimeMillis() / 1000);
    }
  }

  private final Map<String, StoredFile> files = new ConcurrentHashMap<>();
  private final Map<String, Batch> batches = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private final AtomicLong requestIds = new AtomicLong();
  private final ScheduledExecutorService scheduler;
  private volatile BatchBehaviour behaviour;

  private final AtomicLong httpCalls = new AtomicLong();
  private final AtomicLong filesUploaded = new AtomicLong();
  private final AtomicLong uploadsRejected = new AtomicLong();
  private final AtomicLong batchesCreated = new AtomicLong();
  private final AtomicLong cancelRequests = new AtomicLong();
  private final AtomicLong linesAnswered = new AtomicLong();
  private final AtomicLong lineFailures = new AtomicLong();

  BatchService(BatchBehaviour behaviour) {
    this.behaviour = behaviour;
    this.scheduler = Executors.newScheduledThreadPool(2, r -> {
      Thread t = new Thread(r, "emulator-batches");
      t.setDaemon(true);
      return t;
    });
  }

  static boolean handles(String path) {
    return path.equals("/v1/files") || path.startsWith("/v1/files/")
        || path.equals("/v1/batches") || path.startsWith("/v1/batches/");
  }

  BatchBehaviour behaviour() {
    return behaviour;
  }

  void setBehaviour(BatchBehaviour b) {
    behaviour = b;
  }

  BatchStats stats() {
    return new BatchStats(httpCalls.get(), filesUploaded.get(), uploadsRejected.get(),
        batchesCreated.get(), cancelRequests.get(), linesAnswered.get(), lineFailures.get());
  }

  void resetStats() {
    for (AtomicLong c : List.of(httpCalls, filesUploaded, uploadsRejected, batchesCreated,
        cancelRequests, linesAnswered, lineFailures)) {
      c.set(0);
    }
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }

  Reply handle(OpenAiEmulator.Request req) {
    httpCalls.incrementAndGet();
    String[] p = req.path.substring(1).split("/");
    // p[0] = "v1", p[1] = files|batches, p[2] = id, p[3] = content|cancel
    boolean get = req.method.equals("GET");
    boolean post = req.method.equals("POST");
    if (p[1].equals("files")) {
      if (p.length == 2 && post) {
        return upload(req);
      }
      StoredFile f = p.length >= 3 ? files.get(p[2]) : null;
      if (p.length >= 3 && f == null) {
        return notFound("No such File object: " + p[2]);
      }
      if (p.length == 3 && get) {
        return new Reply(200, f.toJson().toString());
      }
      if (p.length == 4 && get && p[3].equals("content")) {
        return new Reply(200, f.content);
      }
    } else {
      if (p.length == 2 && post) {
        return create(req.body);
      }
      if (p.length == 2 && get) {
        return list(req.query);
      }
      Batch b = p.length >= 3 ? batches.get(p[2]) : null;
      if (p.length >= 3 && b == null) {
        return notFound("No batch found with id '" + p[2] + "'.");
      }
      if (p.length == 3 && get) {
        return new Reply(200, b.toJson().toString());
      }
      if (p.length == 4 && post && p[3].equals("cancel")) {
        return cancel(b);
      }
    }
    return new Reply(404, error("Invalid URL (" + req.method + " " + req.path + ")", null));
  }

  // ---- files ----

  private Reply upload(OpenAiEmulator.Request req) {
    String type = req.header("content-type");
    int at = type == null ? -1 : type.indexOf("boundary=");
    if (type == null || !type.startsWith("multipart/form-data") || at < 0) {
      return rejected("Expected a multipart/form-data body", null);
    }
    String boundary = type.substring(at + "boundary=".length()).replace("\"", "").trim();
    Map<String, String> fields = new LinkedHashMap<>();
    String filename = "upload.jsonl";
    String content = null;
    for (String part : req.body.split("--" + java.util.regex.Pattern.quote(boundary))) {
      int head = part.indexOf("\r\n\r\n");
      if (head < 0) {
        continue;
      }
      String headers = part.substring(0, head);
      String value = part.substring(head + 4);
      if (value.endsWith("\r\n")) {
        value = value.substring(0, value.length() - 2);
      }
      String name = param(headers, "name");
      if ("file".equals(name)) {
        content = value;
        String fn = param(headers, "filename");
        if (fn != null) {
          filename = fn;
        }
      } else if (name != null) {
        fields.put(name, value);
      }
    }
    if (!"batch".equals(fields.get("purpose"))) {
      return rejected("'purpose' must be 'batch' (got " + fields.get("purpose") + ")", "purpose");
    }
    if (content == null) {
      return rejected("No file part in the upload", "file");
    }
    if (content.getBytes(StandardCharsets.UTF_8).length > MAX_FILE_BYTES) {
      return rejected("File is larger than the 200 MB limit for batch input files", "file");
    }
    List<JsonNode> lines = new ArrayList<>();
    Set<String> customIds = new HashSet<>();
    int number = 0;
    for (String line : content.split("\n", -1)) {
      number++;
      if (line.isBlank()) {
        continue;
      }
      String problem = null;
      JsonNode n;
      try {
        n = Answers.JSON.readTree(line);
      } catch (IOException e) {
        n = null;
      }
      if (n == null || !n.isObject()) {
        problem = "is not a JSON object";
      } else if (!n.path("custom_id").isTextual() || n.get("custom_id").asText().isEmpty()) {
        problem = "has no custom_id";
      } else if (!customIds.add(n.get("custom_id").asText())) {
        problem = "repeats custom_id '" + n.get("custom_id").asText() + "'; custom_ids must be unique";
      } else if (!"POST".equals(n.path("method").asText())) {
        problem = "has method '" + n.path("method").asText() + "'; only POST is supported";
      } else if (!ENDPOINTS.contains(n.path("url").asText())) {
        problem = "has url '" + n.path("url").asText() + "', which the Batch API does not support";
      } else if (!n.path("body").isObject()) {
        problem = "has no body object";
      }
      if (problem != null) {
        return rejected("Invalid batch input file: line " + number + " " + problem, "file");
      }
      lines.add(n);
    }
    if (lines.isEmpty()) {
      return rejected("Invalid batch input file: it has no requests", "file");
    }
    StoredFile f = new StoredFile("file-" + nextId(), filename, "batch", content, lines);
    files.put(f.id, f);
    filesUploaded.incrementAndGet();
    return new Reply(200, f.toJson().toString());
  }

  private Reply rejected(String message, String param) {
    uploadsRejected.incrementAndGet();
    return new Reply(400, error(message, param));
  }

  private static String param(String headers, String name) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("(?i)\\b" + name + "=\"([^\"]*)\"").matcher(headers);
    return m.find() ? m.group(1) : null;
  }

  // ---- batches ----

  private Reply create(String rawBody) {
    JsonNode body;
    try {
      body = Answers.JSON.readTree(rawBody);
    } catch (IOException e) {
      body = null;
    }
    if (body == null || !body.isObject()) {
      return new Reply(400, error("We could not parse the JSON body of your request.", null));
    }
    String fileId = body.path("input_file_id").asText("");
    String endpoint = body.path("endpoint").asText("");
    String window = body.path("completion_window").asText("");
    if (!files.containsKey(fileId)) {
      return new Reply(400, error("Invalid 'input_file_id': '" + fileId + "'. No such file.", "input_file_id"));
    }
    if (!ENDPOINTS.contains(endpoint)) {
      return new Reply(400, error("Invalid value for 'endpoint': '" + endpoint + "'.", "endpoint"));
    }
    if (!window.equals("24h")) {
      return new Reply(400, error("Invalid value for 'completion_window': '" + window
          + "'. Supported values are: '24h'.", "completion_window"));
    }
    long number = nextId();
    Batch b = new Batch("batch_" + Long.toHexString(0x10000 + number), number, fileId, endpoint,
        window, body.get("metadata"));
    batches.put(b.id, b);
    batchesCreated.incrementAndGet();
    scheduler.schedule(() -> validate(b), behaviour.validatingMillis, TimeUnit.MILLISECONDS);
    return new Reply(200, b.toJson().toString());
  }

  private Reply list(String query) {
    int limit = 20;
    if (query != null) {
      for (String kv : query.split("&")) {
        if (kv.startsWith("limit=")) {
          limit = Math.max(1, Math.min(100, Integer.parseInt(kv.substring(6))));
        }
      }
    }
    List<Batch> all = new ArrayList<>(batches.values());
    all.sort((a, b) -> Long.compare(b.number, a.number));
    ObjectNode n = Answers.JSON.createObjectNode();
    n.put("object", "list");
    ArrayNode data = n.putArray("data");
    for (Batch b : all.subList(0, Math.min(limit, all.size()))) {
      data.add(b.toJson());
    }
    n.put("has_more", all.size() > limit);
    return new Reply(200, n.toString());
  }

  private Reply cancel(Batch b) {
    cancelRequests.incrementAndGet();
    synchronized (b) {
      if (b.status.equals("validating") || b.status.equals("in_progress")) {
        b.status = "cancelling";
        b.at("cancelling_at");
      } else if (!b.status.equals("cancelling")) {
        return new Reply(409, error("Cannot cancel a batch with status '" + b.status + "'.", null));
      }
    }
    return new Reply(200, b.toJson().toString());
  }

  private void validate(Batch b) {
    StoredFile f = files.get(b.inputFileId);
    BatchBehaviour now = behaviour;
    ArrayNode errors = Answers.JSON.createArrayNode();
    long tokens = 0;
    int line = 0;
    for (JsonNode n : f.lines) {
      line++;
      if (!n.get("url").asText().equals(b.endpoint)) {
        errors.addObject().put("code", "invalid_url").put("message", "The URL provided for this request does not "
            + "match the batch endpoint " + b.endpoint + ".").put("param", "url").put("line", line);
      }
      if (now.enqueuedTokenLimit > 0) { // counting every line costs; only a limit needs it
        tokens += TOKENS.estimate(b.endpoint, n.get("body")).total();
      }
    }
    if (f.lines.size() > MAX_LINES) {
      errors.addObject().put("code", "too_many_requests").put("message", "The input file has "
          + f.lines.size() + " requests; the limit is " + MAX_LINES + ".").putNull("param").putNull("line");
    }
    if (now.enqueuedTokenLimit > 0 && tokens > now.enqueuedTokenLimit) {
      errors.addObject().put("code", "token_limit_exceeded").put("message", String.format(Locale.ROOT,
          "Enqueued token limit reached for this organization. Limit: %d enqueued tokens; this batch "
              + "needs %d. Please try again once some in_progress batches have been completed.",
          now.enqueuedTokenLimit, tokens)).putNull("param").putNull("line");
    }
    synchronized (b) {
      if (b.status.equals("cancelling")) {
        // run() sees the cancellation and writes every line as batch_cancelled.
        scheduler.schedule(() -> run(b), now.finalizingMillis, TimeUnit.MILLISECONDS);
        return;
      }
      if (errors.size() > 0) {
        b.status = "failed";
        b.errors = errors;
        b.at("failed_at");
        return;
      }
      b.status = "in_progress";
      b.total = f.lines.size();
      b.at("in_progress_at");
    }
    scheduler.schedule(() -> run(b), now.inProgressMillis, TimeUnit.MILLISECONDS);
  }

  /** Answers the lines (all, or up to the expiry / cancellation point), in a seeded random order. */
  private void run(Batch b) {
    BatchBehaviour now = behaviour;
    List<JsonNode> order = new ArrayList<>(files.get(b.inputFileId).lines);
    Collections.shuffle(order, new Random(now.seed * 31 + b.number));
    long limit = order.size();
    String end = "completed";
    synchronized (b) {
      if (b.status.equals("cancelling")) {
        limit = 0;
        end = "cancelled";
      }
    }
    if (now.expireAfterLines >= 0 && now.expireAfterLines < limit) {
      limit = now.expireAfterLines;
      end = "expired";
    }
    if (now.cancelAfterLines >= 0 && now.cancelAfterLines < limit) {
      limit = now.cancelAfterLines;
      end = "cancelled";
    }
    List<String> output = new ArrayList<>();
    List<String> errorLines = new ArrayList<>();
    long ok = 0;
    long bad = 0;
    for (int i = 0; i < order.size(); i++) {
      JsonNode line = order.get(i);
      String customId = line.get("custom_id").asText();
      if (i >= limit) {
        if (!now.omitUnfinished) {
          String code = end.equals("expired") ? "batch_expired" : "batch_cancelled";
          String msg = end.equals("expired")
              ? "This request could not be executed before the completion window expired."
              : "This request was not executed because the batch was cancelled.";
          errorLines.add(outputLine(customId, null, Answers.JSON.createObjectNode()
              .put("code", code).put("message", msg)));
        }
        continue;
      }
      ObjectNode response = answer(b.endpoint, line.get("body"), customId, now);
      int status = response.get("status_code").asInt();
      if (status == 200) {
        output.add(outputLine(customId, response, null));
        ok++;
      } else {
        errorLines.add(outputLine(customId, response, null));
        bad++;
      }
    }
    linesAnswered.addAndGet(ok + bad);
    lineFailures.addAndGet(bad);
    String terminal = end;
    synchronized (b) {
      b.completed = ok;
      b.failed = bad;
      if (terminal.equals("completed")) {
        b.status = "finalizing";
        b.at("finalizing_at");
      } else if (terminal.equals("cancelled") && !b.status.equals("cancelling")) {
        b.status = "cancelling";
        b.at("cancelling_at");
      }
    }
    scheduler.schedule(() -> finish(b, output, errorLines, terminal), now.finalizingMillis,
        TimeUnit.MILLISECONDS);
  }

  private void finish(Batch b, List<String> output, List<String> errorLines, String terminal) {
    synchronized (b) {
      if (!output.isEmpty()) {
        b.outputFileId = store(b.id + "_output.jsonl", output);
      }
      if (!errorLines.isEmpty()) {
        b.errorFileId = store(b.id + "_error.jsonl", errorLines);
      }
      b.status = terminal;
      b.at(terminal + "_at");
    }
  }

  private String store(String name, List<String> lines) {
    String content = String.join("\n", lines) + "\n";
    StoredFile f = new StoredFile("file-" + nextId(), name, "batch_output", content, List.of());
    files.put(f.id, f);
    return f.id;
  }

  /** {@code {"status_code","request_id","body"}} with the answer the online endpoint would give. */
  private ObjectNode answer(String endpoint, JsonNode body, String customId, BatchBehaviour now) {
    ObjectNode r = Answers.JSON.createObjectNode();
    String requestId = "req_b" + Long.toHexString(requestIds.incrementAndGet());
    String model = body.path("model").asText("");
    int status = 200;
    JsonNode out;
    if (model.isEmpty()) {
      status = 400;
      out = errorNode("you must provide a model parameter", "invalid_request_error", null);
    } else if (model.equals("does-not-exist") || model.startsWith("missing-")) {
      status = 404;
      out = errorNode("The model `" + model + "` does not exist or you do not have access to it.",
          "invalid_request_error", "model_not_found");
    } else if (failsLine(customId, now)) {
      status = 500;
      out = errorNode("The server had an error processing your request. Sorry about that!",
          "server_error", null);
    } else {
      String raw = body.toString();
      TokenEstimate t = TOKENS.estimate(endpoint, body);
      try {
        out = Answers.JSON.readTree(Answers.answer(endpoint, model, body, Answers.digest(raw), t));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
    r.put("status_code", status).put("request_id", requestId).set("body", out);
    return r;
  }

  private static boolean failsLine(String customId, BatchBehaviour now) {
    if (now.lineFailureRate <= 0) {
      return false;
    }
    long h = Hashing.murmur3_128((int) now.seed).hashString(customId, StandardCharsets.UTF_8).asLong();
    return (h >>> 11) * 0x1.0p-53 < now.lineFailureRate;
  }

  private String outputLine(String customId, JsonNode response, JsonNode error) {
    ObjectNode n = Answers.JSON.createObjectNode();
    n.put("id", "batch_req_" + Long.toHexString(requestIds.incrementAndGet()));
    n.put("custom_id", customId);
    n.set("response", response == null ? Answers.JSON.nullNode() : response);
    n.set("error", error == null ? Answers.JSON.nullNode() : error);
    return n.toString();
  }

  private long nextId() {
    return ids.incrementAndGet();
  }

  private Reply notFound(String message) {
    return new Reply(404, error(message, null));
  }

  private static JsonNode errorNode(String message, String type, String code) {
    ObjectNode n = Answers.JSON.createObjectNode();
    ObjectNode e = n.putObject("error");
    e.put("message", message).put("type", type).putNull("param");
    if (code == null) {
      e.putNull("code");
    } else {
      e.put("code", code);
    }
    return n;
  }

  private static String error(String message, String param) {
    ObjectNode n = Answers.JSON.createObjectNode();
    ObjectNode e = n.putObject("error");
    e.put("message", message).put("type", "invalid_request_error");
    if (param == null) {
      e.putNull("param");
    } else {
      e.put("param", param);
    }
    e.putNull("code");
    return n.toString();
  }
}
