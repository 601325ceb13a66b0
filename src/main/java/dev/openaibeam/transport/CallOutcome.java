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
    @Nullable ApiError error) {

  /** No HTTP answer: timeout, reset, refused, truncated body. Always retryable. */
  public static CallOutcome transportFailure(Throwable t, long latencyNanos) {
    return ResponseClassifier.transport(t, latencyNanos, null);
  }

  @Override
  public String toString() {
    return "CallOutcome{status=" + status + ", verdict=" + verdict + ", error=" + error + "}";
  }
}
