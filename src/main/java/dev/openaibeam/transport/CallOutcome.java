package dev.openaibeam.transport;

import com.fasterxml.jackson.databind.JsonNode;
import dev.openaibeam.api.ApiError;
import java.util.OptionalLong;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One attempt's answer, classified: what came back and what the retry layer should do.
 *
 * @param status 0 when no HTTP response came back
 * @param json the parsed body of a 2xx JSON answer; null otherwise
 * @param error null on success
 * @param firstTokenNanos from send to the first token of a streamed answer; -1 when not streamed
 */
public record CallOutcome(
    int status,
    @Nullable String body,
    @Nullable JsonNode json,
    Verdict verdict,
    RateLimitKind rateLimitKind,
    OptionalLong retryAfterMillis,
    RateLimitHeaders rateLimits,
    @Nullable String requestId,
    long latencyNanos,
    @Nullable ApiError error,
    long firstTokenNanos) {

  /** No HTTP answer: timeout, reset, refused, truncated body. Always retryable. */
  public static CallOutcome transportFailure(Throwable t, long latencyNanos) {
    return ResponseClassifier.transport(t, latencyNanos, null);
  }

  /** A 2xx whose body could not be read as an answer (it may have been billed). */
  public boolean unreadableAnswer() {
    return status >= 200 && status < 300 && verdict != Verdict.SUCCESS;
  }

  CallOutcome withFirstToken(long nanos) {
    return new CallOutcome(status, body, json, verdict, rateLimitKind, retryAfterMillis, rateLimits,
        requestId, latencyNanos, error, nanos);
  }

  @Override
  public String toString() {
    return "CallOutcome{status=" + status + ", verdict=" + verdict + ", error=" + error + "}";
  }
}
