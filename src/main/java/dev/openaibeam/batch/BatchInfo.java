package dev.openaibeam.batch;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;

/** What {@code GET /v1/batches/{id}} says about a batch: status, counts and result files. */
final class BatchInfo {
  static final Set<String> TERMINAL = Set.of("completed", "failed", "expired", "cancelled");

  final String id;
  final String status;
  final @Nullable String outputFileId;
  final @Nullable String errorFileId;
  final long total;
  final long completed;
  final long failed;
  final long createdAt;
  final long endedAt;
  /** The batch's validation errors ({@code errors.data}), for a failed batch. */
  final List<ValidationError> errors;
  final JsonNode metadata;

  /** One entry of {@code errors.data}: a code, a message and the input line it is about, if any. */
  static final class ValidationError {
    final String code;
    final String message;
    final int line; // 1-based; 0 when the error is about the whole batch

    ValidationError(String code, String message, int line) {
      this.code = code;
      this.message = message;
      this.line = line;
    }
  }

  private BatchInfo(JsonNode n) {
    this.id = n.path("id").asText();
    this.status = n.path("status").asText();
    this.outputFileId = textOrNull(n.get("output_file_id"));
    this.errorFileId = textOrNull(n.get("error_file_id"));
    JsonNode counts = n.path("request_counts");
    this.total = counts.path("total").asLong();
    this.completed = counts.path("completed").asLong();
    this.failed = counts.path("failed").asLong();
    this.createdAt = n.path("created_at").asLong();
    long ended = 0;
    for (String t : new String[] {"completed_at", "failed_at", "expired_at", "cancelled_at"}) {
      ended = Math.max(ended, n.path(t).asLong(0));
    }
    this.endedAt = ended;
    List<ValidationError> errs = new ArrayList<>();
    for (JsonNode e : n.path("errors").path("data")) {
      errs.add(new ValidationError(e.path("code").asText("batch_failed"),
          e.path("message").asText(""), e.path("line").asInt(0)));
    }
    this.errors = errs;
    this.metadata = n.path("metadata");
  }

  static BatchInfo parse(JsonNode n) {
    return new BatchInfo(n);
  }

  boolean isTerminal() {
    return TERMINAL.contains(status);
  }

  /** Milliseconds from creation to the end state, as the service reports them (second resolution). */
  long elapsedMillis() {
    return endedAt > 0 && createdAt > 0 ? (endedAt - createdAt) * 1000 : 0;
  }

  private static @Nullable String textOrNull(@Nullable JsonNode n) {
    return n == null || n.isNull() || n.asText().isEmpty() ? null : n.asText();
  }

  @Override
  public String toString() {
    return "Batch{" + id + " " + status + " " + completed + "+" + failed + "/" + total + "}";
  }
}
