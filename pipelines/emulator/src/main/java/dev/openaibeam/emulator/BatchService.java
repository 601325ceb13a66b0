package dev.openaibeam.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The emulator's Files and Batches endpoints: upload a JSONL file ({@code purpose=batch}), create a
 * batch on it, watch it go {@code validating → in_progress → finalizing → completed} (or {@code
 * failed}, {@code expired}, {@code cancelling → cancelled}), and download the output and error
 * files. Each line gets the same deterministic answer the online endpoints give ({@link Answers});
 * {@link BatchRunner} moves the batches along, following a {@link BatchBehaviour} that can be
 * changed while running.
 */
final class BatchService implements AutoCloseable {
  /** The endpoints a batch may target: the four online ones. */
  static final Set<String> ENDPOINTS = Router.ENDPOINTS;

  final Map<String, StoredFile> files = new ConcurrentHashMap<>();
  private final Map<String, BatchJob> batches = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private final BatchRunner runner;
  // These calls can take seconds (a 200 MB upload is decoded and parsed line by line), so they run
  // here rather than on an event loop; its two threads exist only while there is work.
  private final ThreadPoolExecutor calls;
  private volatile BatchBehaviour behaviour;
  final ModelCatalogue models;

  final AtomicLong httpCalls = new AtomicLong();
  final AtomicLong filesUploaded = new AtomicLong();
  final AtomicLong uploadsRejected = new AtomicLong();
  final AtomicLong batchesCreated = new AtomicLong();
  final AtomicLong cancelRequests = new AtomicLong();
  final AtomicLong linesAnswered = new AtomicLong();
  final AtomicLong lineFailures = new AtomicLong();

  BatchService(BatchBehaviour behaviour, ModelCatalogue models) {
    this.behaviour = behaviour;
    this.models = models;
    this.runner = new BatchRunner(this);
    this.calls = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
        new DefaultThreadFactory("emulator-files", true));
    calls.allowCoreThreadTimeOut(true);
  }

  static boolean handles(String path) {
    return path.equals("/v1/files") || path.startsWith("/v1/files/")
        || path.equals("/v1/batches") || path.startsWith("/v1/batches/");
  }

  /** Where {@link #handle} runs. */
  ExecutorService executor() {
    return calls;
  }

  BatchBehaviour behaviour() {
    return behaviour;
  }

  void setBehaviour(BatchBehaviour b) {
    behaviour = b;
  }

  long nextId() {
    return ids.incrementAndGet();
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
    calls.shutdownNow();
    runner.close();
  }

  /**
   * {@code /emulator/batch?inProgressMs=100&lineFailureRate=0.1}: changes, then shows, the batch
   * behaviour.
   */
  String control(String query) {
    try {
      BatchBehaviour b = behaviour;
      if (query != null) {
        for (String kv : query.split("&")) {
          int eq = kv.indexOf('=');
          if (eq > 0) {
            b = b.with(kv.substring(0, eq), URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
          }
        }
      }
      behaviour = b;
      return b.toString();
    } catch (IllegalArgumentException e) {
      return ErrorBodies.error(e.getMessage(), "invalid_request_error", null);
    }
  }

  /** One call to {@code /v1/files...} or {@code /v1/batches...}. */
  Reply handle(Request req) {
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
        return Reply.json(200, f.toJson().toString());
      }
      if (p.length == 4 && get && p[3].equals("content")) {
        return Reply.json(200, f.content);
      }
    } else {
      if (p.length == 2 && post) {
        return create(req.body());
      }
      if (p.length == 2 && get) {
        return list(req.query);
      }
      BatchJob b = p.length >= 3 ? batches.get(p[2]) : null;
      if (p.length >= 3 && b == null) {
        return notFound("No batch found with id '" + p[2] + "'.");
      }
      if (p.length == 3 && get) {
        return Reply.json(200, b.toJson().toString());
      }
      if (p.length == 4 && post && p[3].equals("cancel")) {
        return cancel(b);
      }
    }
    return Reply.json(404, ErrorBodies.invalidField("Invalid URL (" + req.method + " " + req.path + ")", null));
  }

  private Reply upload(Request req) {
    try {
      BatchUploads.Upload u = BatchUploads.read(req);
      StoredFile f = new StoredFile("file-" + nextId(), u.filename(), "batch", u.content(), u.lines());
      files.put(f.id, f);
      filesUploaded.incrementAndGet();
      return Reply.json(200, f.toJson().toString());
    } catch (BatchUploads.Rejected e) {
      uploadsRejected.incrementAndGet();
      return Reply.json(400, ErrorBodies.invalidField(e.getMessage(), e.param));
    }
  }

  private Reply create(String rawBody) {
    JsonNode body;
    try {
      body = Answers.JSON.readTree(rawBody);
    } catch (IOException e) {
      body = null;
    }
    if (body == null || !body.isObject()) {
      return Reply.json(400, ErrorBodies.invalidField("We could not parse the JSON body of your request.", null));
    }
    String fileId = body.path("input_file_id").asText("");
    String endpoint = body.path("endpoint").asText("");
    String window = body.path("completion_window").asText("");
    if (!files.containsKey(fileId)) {
      return Reply.json(400, ErrorBodies.invalidField("Invalid 'input_file_id': '" + fileId
          + "'. No such file.", "input_file_id"));
    }
    if (!ENDPOINTS.contains(endpoint)) {
      return Reply.json(400, ErrorBodies.invalidField("Invalid value for 'endpoint': '" + endpoint
          + "'.", "endpoint"));
    }
    if (!window.equals("24h")) {
      return Reply.json(400, ErrorBodies.invalidField("Invalid value for 'completion_window': '"
          + window + "'. Supported values are: '24h'.", "completion_window"));
    }
    long number = nextId();
    BatchJob b = new BatchJob("batch_" + Long.toHexString(0x10000 + number), number, fileId,
        endpoint, window, body.get("metadata"));
    batches.put(b.id, b);
    batchesCreated.incrementAndGet();
    runner.start(b);
    return Reply.json(200, b.toJson().toString());
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
    List<BatchJob> all = new ArrayList<>(batches.values());
    all.sort((a, b) -> Long.compare(b.number, a.number));
    ObjectNode n = Answers.JSON.createObjectNode();
    n.put("object", "list");
    ArrayNode data = n.putArray("data");
    for (BatchJob b : all.subList(0, Math.min(limit, all.size()))) {
      data.add(b.toJson());
    }
    n.put("has_more", all.size() > limit);
    return Reply.json(200, n.toString());
  }

  private Reply cancel(BatchJob b) {
    cancelRequests.incrementAndGet();
    synchronized (b) {
      if (b.status.equals("validating") || b.status.equals("in_progress")) {
        b.status = "cancelling";
        b.at("cancelling_at");
      } else if (!b.status.equals("cancelling")) {
        return Reply.json(409, ErrorBodies.invalidField("Cannot cancel a batch with status '"
            + b.status + "'.", null));
      }
    }
    return Reply.json(200, b.toJson().toString());
  }

  private static Reply notFound(String message) {
    return Reply.json(404, ErrorBodies.invalidField(message, null));
  }
}
