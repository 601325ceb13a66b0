package dev.openaibeam.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.openaibeam.call.ApiError;
import java.util.OptionalLong;
import org.checkerframework.checker.nullness.qual.Nullable;

/** One attempt's answer, classified: what came back and what the retry layer should do. */
public final class CallOutcome {
  private final int status;
  private final @Nullable String body;
  private final @Nullable JsonNode json;
  private final Verdict verdict;
  private final RateLimitKind rateLimitKind;
  private final OptionalLong retryAfterMillis;
  private final RateLimitHeaders rateLimits;
  private final @Nullable String requestId;
  private final long latencyNanos;
  private final @Nullable ApiError error;

  CallOutcome(
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
    this.status = status;
    this.body = body;
    this.json = json;
    this.verdict = verdict;
    this.rateLimitKind = rateLimitKind;
    this.retryAfterMillis = retryAfterMillis;
    this.rateLimits = rateLimits;
    this.requestId = requestId;
    this.latencyNanos = latencyNanos;
    this.error = error;
  }

  /** No HTTP answer: timeout, reset, refused, truncated body. Always retryable. */
  public static CallOutcome transportFailure(Throwable t, long latencyNanos) {
    return ResponseClassifier.transport(t, latencyNanos, null);
  }

  /** 0 when no HTTP response came back. */
  public int status() {
    return status;
  }

  public @Nullable String body() {
    return body;
  }

  /** The parsed body of a 2xx; null otherwise. */
  public @Nullable JsonNode json() {
    return json;
  }

  public Verdict verdict() {
    return verdict;
  }

  public RateLimitKind rateLimitKind() {
    return rateLimitKind;
  }

  public OptionalLong retryAfterMillis() {
    return retryAfterMillis;
  }

  public RateLimitHeaders rateLimits() {
    return rateLimits;
  }

  public @Nullable String requestId() {
    return requestId;
  }

  public long latencyNanos() {
    return latencyNanos;
  }

  /** Null on success. */
  public @Nullable ApiError error() {
    return error;
  }

  @Override
  public String toString() {
    return "CallOutcome{status=" + status + ", verdict=" + verdict + ", error=" + error + "}";
  }
}
