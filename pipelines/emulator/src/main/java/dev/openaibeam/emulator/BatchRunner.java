package dev.openaibeam.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.hash.Hashing;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Moves batches through their states on a timer: validation (URLs, the line cap, the enqueued
 * token limit), the run (every line answered as the online endpoint would, in a seeded order, up
 * to an expiry or cancellation point), and the output and error files.
 */
final class BatchRunner implements AutoCloseable {
  static final int MAX_LINES = 50_000;

  private final BatchService service;
  private final ScheduledExecutorService scheduler =
      Executors.newScheduledThreadPool(2, new DefaultThreadFactory("emulator-batches", true));
  private final AtomicLong requestIds = new AtomicLong();

  BatchRunner(BatchService service) {
    this.service = service;
  }

  void start(BatchJob b) {
    scheduler.schedule(() -> validate(b), service.behaviour().validatingMillis, TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }

  private void validate(BatchJob b) {
    StoredFile f = service.files.get(b.inputFileId);
    BatchBehaviour now = service.behaviour();
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
        tokens += TokenCounter.charge(b.endpoint, n.get("body")).total();
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
  private void run(BatchJob b) {
    BatchBehaviour now = service.behaviour();
    List<JsonNode> order = new ArrayList<>(service.files.get(b.inputFileId).lines);
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
          errorLines.add(outputLine(customId, null, unfinished(end)));
        }
        continue;
      }
      ObjectNode response = answer(b.endpoint, line.get("body"), customId, now);
      if (response.get("status_code").asInt() == 200) {
        output.add(outputLine(customId, response, null));
        ok++;
      } else {
        errorLines.add(outputLine(customId, response, null));
        bad++;
      }
    }
    service.linesAnswered.addAndGet(ok + bad);
    service.lineFailures.addAndGet(bad);
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

  private void finish(BatchJob b, List<String> output, List<String> errorLines, String terminal) {
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
    StoredFile f = new StoredFile("file-" + service.nextId(), name, "batch_output", content, List.of());
    service.files.put(f.id, f);
    return f.id;
  }

  /** The error of a line the batch never ran. */
  private static ObjectNode unfinished(String end) {
    boolean expired = end.equals("expired");
    return Answers.JSON.createObjectNode()
        .put("code", expired ? "batch_expired" : "batch_cancelled")
        .put("message", expired
            ? "This request could not be executed before the completion window expired."
            : "This request was not executed because the batch was cancelled.");
  }

  /** {@code {"status_code","request_id","body"}} with the answer the online endpoint would give. */
  private ObjectNode answer(String endpoint, JsonNode body, String customId, BatchBehaviour now) {
    ObjectNode r = Answers.JSON.createObjectNode();
    String requestId = "req_b" + Long.toHexString(requestIds.incrementAndGet());
    String model = body.path("model").asText("");
    int status = 200;
    JsonNode out;
    // As online: the model, then the fields (RequestValidation), then the seeded line failures.
    String problem = model.isEmpty() || !service.models.exists(model, false) ? null
        : RequestValidation.problem(endpoint, body);
    if (model.isEmpty()) {
      status = 400;
      out = ErrorBodies.errorNode("you must provide a model parameter", "invalid_request_error", null);
    } else if (!service.models.exists(model, false)) {
      status = 404;
      out = parse(ModelCatalogue.notFound(model));
    } else if (problem != null) {
      status = 400;
      out = parse(problem);
    } else if (failsLine(customId, now)) {
      status = 500;
      out = ErrorBodies.errorNode("The server had an error processing your request. Sorry about that!",
          "server_error", null);
    } else {
      String raw = body.toString();
      TokenCharge t = TokenCounter.charge(endpoint, body);
      try {
        out = Answers.JSON.readTree(Answers.answer(endpoint, model, body, Answers.digest(raw), t));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
    r.put("status_code", status).put("request_id", requestId).set("body", out);
    return r;
  }

  private static JsonNode parse(String json) {
    try {
      return Answers.JSON.readTree(json);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Whether a line fails, fixed by the seed and its custom_id (so a resubmission fails alike). */
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
}
