package dev.openaibeam.batch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.openaibeam.api.ApiError;
import dev.openaibeam.api.ApiFailure;
import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.api.ApiResponse;
import dev.openaibeam.api.ErrorCode;
import dev.openaibeam.api.ErrorType;
import dev.openaibeam.cost.CostSettings;
import dev.openaibeam.cost.PricingMode;
import dev.openaibeam.cost.SpendTracker;
import dev.openaibeam.transport.BlockingCaller;
import dev.openaibeam.transport.CallFailedException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one chunk through the Batch API: submits it (or re-attaches to the batch its state names),
 * polls with backoff, downloads the output and error files, resubmits what the service did not
 * run (an expired batch's remainder, lines missing from both files) for a bounded number of rounds,
 * and turns every row into exactly one response or failure.
 */
final class ChunkRunner implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ChunkRunner.class);

  private final BatchConfiguration settings;
  private final BatchApiClient client;
  private final ChunkState.@Nullable Store store;
  private final BatchMetrics metrics;
  private final Random random = new Random();
  private long reportedCalls;
  private final SpendTracker spend;

  ChunkRunner(BatchConfiguration settings, BatchMetrics metrics) {
    this.settings = settings;
    this.spend = new SpendTracker(new CostSettings(settings.prices(), 0), 1);
    this.metrics = metrics;
    this.client = new BatchApiClient(settings);
    this.store = settings.stateDirectory() == null ? null : new ChunkState.Store(settings.stateDirectory());
  }

  /** What the submit step hands on: the chunk's state, or the failure of every row. */
  static final class Submitted {
    final @Nullable ChunkState state;
    final List<ApiFailure> failures;

    Submitted(@Nullable ChunkState state, List<ApiFailure> failures) {
      this.state = state;
      this.failures = failures;
    }
  }

  /** Re-attaches to the chunk's recorded batches, else uploads it and creates its first batch. */
  Submitted submit(BatchChunk chunk) {
    try {
      ChunkState known = readState(chunk);
      if (known != null) {
        metrics.batchesReattached.inc();
        LOG.info("chunk {}: re-attaching to batch {} (round {})", chunk.digest,
            known.rounds.get(known.rounds.size() - 1).batchId, known.rounds.size());
        return new Submitted(known, List.of());
      }
      List<Integer> all = new ArrayList<>();
      for (int i = 0; i < chunk.requests.size(); i++) {
        all.add(i);
      }
      ChunkState fresh = new ChunkState(chunk.digest, chunk.endpoint, chunk.requests.size(), List.of());
      return new Submitted(submitRound(chunk, fresh, all), List.of());
    } catch (CallFailedException e) {
      // The service refused the file or the batch (too large, malformed): every row fails with why.
      List<ApiFailure> failures = new ArrayList<>();
      for (ApiRequest r : chunk.requests) {
        failures.add(ApiFailure.of(r, e.getError(), 0, List.of(e.getError())));
      }
      metrics.linesFailed.inc(failures.size());
      return new Submitted(null, failures);
    } finally {
      reportCalls();
    }
  }

  /** Polls the chunk's batches to their end, resubmitting the remainder, and emits every row once. */
  void await(BatchChunk chunk, ChunkState initial, Consumer<ApiResponse> responses, Consumer<ApiFailure> failures) {
    try {
      awaitRounds(chunk, initial, responses, failures);
    } finally {
      reportCalls();
    }
  }

  private void awaitRounds(BatchChunk chunk, ChunkState initial, Consumer<ApiResponse> responses,
      Consumer<ApiFailure> failures) {
    int n = chunk.requests.size();
    BatchLines.Outcome[] decided = new BatchLines.Outcome[n];
    long[] latency = new long[n];
    int[] sent = new int[n];
    long deadline = System.nanoTime() + settings.maxWait().toNanos();
    // A retried await (its bundle failed after a resubmission) starts from its input, which names
    // fewer rounds than the state file: continue from the file, or it would create and pay for the
    // same resubmission again.
    ChunkState stored = readState(chunk);
    ChunkState state =
        stored != null && stored.rounds.size() > initial.rounds.size() ? stored : initial;
    List<Integer> pending = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      pending.add(i);
    }
    for (int r = 0; ; r++) {
      ChunkState.Round round = state.rounds.get(r);
      for (int i : pending) {
        sent[i]++;
      }
      BatchInfo info = poll(round.batchId, deadline);
      if (info != null) {
        collect(chunk, info, pending, decided, latency);
      }
      List<Integer> remainder = new ArrayList<>();
      for (int i : pending) {
        if (decided[i] == null) {
          remainder.add(i);
        }
      }
      String status = info == null ? "unknown (the service no longer knows it)" : info.status;
      if (info != null && info.status.equals("failed")) {
        failBatch(chunk, info, pending, decided);
        break;
      }
      if (info != null && info.status.equals("cancelled")) {
        for (int i : remainder) {
          decided[i] = cancelled(info.id);
        }
        break;
      }
      if (remainder.isEmpty()) {
        break;
      }
      if (r + 1 >= state.rounds.size()) {
        if (r + 1 >= settings.maxRounds()) {
          ApiError e = ApiError.of(ErrorCode.NO_ANSWER,
              "no answer after " + (r + 1) + " batch round(s); the last batch " + round.batchId
                  + " ended " + status + " without running this request; replay this failure to send it again");
          for (int i : remainder) {
            decided[i] = new BatchLines.Outcome(BatchChunk.customId(i), BatchLines.Kind.FAILED, null, e);
          }
          break;
        }
        LOG.info("chunk {}: batch {} ended {} with {} request(s) not run; resubmitting them (round {})",
            chunk.digest, round.batchId, status, remainder.size(), r + 2);
        metrics.linesResubmitted.inc(remainder.size());
        state = submitRound(chunk, state, remainder);
      }
      pending = remainder;
    }
    for (int i = 0; i < n; i++) {
      ApiRequest request = chunk.requests.get(i);
      BatchLines.Outcome o = decided[i];
      if (o == null) { // cannot happen: every path above decides every pending row
        o = new BatchLines.Outcome(BatchChunk.customId(i), BatchLines.Kind.FAILED, null,
            ApiError.of(ErrorCode.NO_ANSWER, "no answer from the batch"));
      }
      if (o.kind == BatchLines.Kind.SUCCEEDED) {
        metrics.linesSucceeded.inc();
        // Priced by the answer's model, as the online path does when it does not parse requests.
        spend.record("", o.body, PricingMode.BATCH);
        responses.accept(
            ApiResponse.of(request, String.valueOf(o.body), sent[i], latency[i], o.requestId, -1));
      } else {
        metrics.linesFailed.inc();
        failures.accept(ApiFailure.of(request, o.error, sent[i], List.of(o.error)));
      }
    }
  }

  /** Downloads both files and records what they say about this round's rows. */
  private void collect(BatchChunk chunk, BatchInfo info, List<Integer> pending,
      BatchLines.Outcome[] decided, long[] latency) {
    java.util.Set<Integer> inRound = new java.util.HashSet<>(pending);
    for (String fileId : new String[] {info.outputFileId, info.errorFileId}) {
      if (fileId == null) {
        continue;
      }
      String content = client.content(fileId);
      for (String line : content.split("\n")) {
        BatchLines.Outcome o = BatchLines.parse(line);
        if (o == null) {
          continue;
        }
        int i = chunk.indexOf(o.customId);
        if (i < 0 || !inRound.contains(i) || decided[i] != null) {
          continue; // not ours, or already answered
        }
        if (o.kind == BatchLines.Kind.EXPIRED) {
          continue; // not run: part of the remainder
        }
        decided[i] = o.kind == BatchLines.Kind.CANCELLED ? cancelled(info.id) : o;
        latency[i] = info.elapsedMillis();
      }
    }
  }

  /** A batch that failed validation: each row of it fails with the service's reason. */
  private void failBatch(BatchChunk chunk, BatchInfo info, List<Integer> pending, BatchLines.Outcome[] decided) {
    StringBuilder all = new StringBuilder();
    String code = "batch_failed";
    for (BatchInfo.ValidationError e : info.errors) {
      if (e.line == 0) {
        all.append(all.length() == 0 ? "" : "; ").append(e.message);
        code = e.code;
      }
    }
    for (int k = 0; k < pending.size(); k++) {
      int i = pending.get(k);
      if (decided[i] != null) {
        continue;
      }
      String message = all.toString();
      String lineCode = code;
      for (BatchInfo.ValidationError e : info.errors) {
        if (e.line == k + 1) { // the line of this row in the round's file
          message = e.message + (message.isEmpty() ? "" : "; " + message);
          lineCode = e.code;
        }
      }
      if (message.isEmpty()) {
        message = info.errors.isEmpty() ? "the batch failed without a reason"
            : "another line of the batch was invalid: " + info.errors.get(0).message;
        lineCode = info.errors.isEmpty() ? code : info.errors.get(0).code;
      }
      decided[i] = new BatchLines.Outcome(BatchChunk.customId(i), BatchLines.Kind.FAILED, null,
          ApiError.of(ErrorType.BATCH_FAILED, null, lineCode, "batch " + info.id + " failed: " + message, null));
    }
  }

  private static BatchLines.Outcome cancelled(String batchId) {
    return new BatchLines.Outcome("", BatchLines.Kind.CANCELLED, null, ApiError.of(
        ErrorType.BATCH_CANCELLED, null, "batch_cancelled", "batch " + batchId
            + " was cancelled before this request ran; replay this failure line as input to send it again",
        null));
  }

  /** Polls until the batch ends; null when the service does not know the batch (404). */
  private @Nullable BatchInfo poll(String batchId, long deadline) {
    long delay = Math.max(10, settings.pollInterval().toMillis() / 16);
    while (true) {
      BatchInfo info;
      try {
        info = client.get(batchId);
      } catch (CallFailedException e) {
        if (e.getError().getStatus() != null && e.getError().getStatus() == 404) {
          LOG.warn("batch {} is unknown to the service; its requests are resubmitted", batchId);
          return null;
        }
        throw e;
      }
      metrics.polls.inc();
      if (info.isTerminal()) {
        return info;
      }
      if (System.nanoTime() + delay * 1_000_000 > deadline) {
        throw new BatchStillRunningException("batch " + batchId + " is still " + info.status + " ("
            + info.completed + " of " + info.total + " done) after waiting " + settings.maxWait()
            + "; it keeps running at the service: run the same job again to re-attach to it");
      }
      BlockingCaller.sleep(delay);
      delay = Math.min(delay * 2, Math.max(10, settings.pollInterval().toMillis()));
    }
  }

  /** Uploads {@code rows} of the chunk, creates a batch on them, records it in the state. */
  private ChunkState submitRound(BatchChunk chunk, ChunkState state, List<Integer> rows) {
    int round = state.rounds.size() + 1;
    ByteArrayOutputStream file = new ByteArrayOutputStream();
    for (int i : rows) {
      file.writeBytes(BatchLines.inputLine(BatchChunk.customId(i), chunk.endpoint,
          chunk.requests.get(i).getBody()).getBytes(StandardCharsets.UTF_8));
      file.write('\n');
    }
    String fileId = client.upload("openai-beam-" + chunk.digest + "-round" + round + ".jsonl", file.toByteArray());
    metrics.filesUploaded.inc();
    BatchInfo batch = createOnce(chunk, round, fileId);
    metrics.batchesCreated.inc();
    ChunkState next = state.plus(new ChunkState.Round(round, fileId, batch.id, rows.size()));
    writeState(next);
    LOG.info("chunk {}: created batch {} for {} request(s) (round {})", chunk.digest, batch.id, rows.size(), round);
    return next;
  }

  /**
   * Creates the batch. A create that timed out or got a 5xx may have happened all the same, so
   * before trying again the newest batches are searched for this chunk and round (by metadata).
   */
  private BatchInfo createOnce(BatchChunk chunk, int round, String fileId) {
    Map<String, String> metadata = Map.of("openai_beam_chunk", chunk.digest, "openai_beam_round",
        Integer.toString(round));
    for (int attempt = 1; ; attempt++) {
      try {
        return client.create(fileId, chunk.endpoint, settings.completionWindow(), metadata);
      } catch (CallFailedException e) {
        Integer status = e.getError().getStatus();
        boolean ambiguous = status == null || status >= 500 || status == 408 || status == 429;
        if (!ambiguous || attempt >= settings.controlAttempts()) {
          throw e;
        }
        BlockingCaller.sleep(settings.controlBackoff().delayMillis(attempt, java.util.OptionalLong.empty(), random));
        for (JsonNode b : client.recent()) {
          if (chunk.digest.equals(b.path("metadata").path("openai_beam_chunk").asText())
              && Integer.toString(round).equals(b.path("metadata").path("openai_beam_round").asText())
              && fileId.equals(b.path("input_file_id").asText())) {
            return BatchInfo.parse(b);
          }
        }
      }
    }
  }

  private @Nullable ChunkState readState(BatchChunk chunk) {
    if (store == null) {
      return null;
    }
    try {
      return store.read(chunk.digest);
    } catch (IOException e) {
      LOG.warn("chunk {}: unreadable state ({}); submitting afresh", chunk.digest, e.toString());
      return null;
    }
  }

  private void writeState(ChunkState s) {
    if (store == null) {
      return;
    }
    try {
      store.write(s);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot record batch state of chunk " + s.chunk
          + " (its batch " + s.rounds.get(s.rounds.size() - 1).batchId + " is running)", e);
    }
  }

  private void reportCalls() {
    long now = client.calls();
    metrics.httpCalls.inc(now - reportedCalls);
    reportedCalls = now;
  }

  @Override
  public void close() {
    client.close();
  }
}
