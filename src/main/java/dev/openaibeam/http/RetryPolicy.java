package dev.openaibeam.http;

import com.google.common.base.Preconditions;
import java.io.Serializable;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.Random;

/**
 * The wait policy of the single retry layer: the service's {@code retry-after} when it sends one,
 * else exponential backoff {@code min(initial × 2^(n-1), max)} times a jitter in [0.75, 1], as the
 * official SDKs do.
 */
public final class RetryPolicy implements Serializable {
  private final int maxAttempts;
  private final long initialMillis;
  private final long maxMillis;
  private final long maxRetryAfterMillis;

  private RetryPolicy(int maxAttempts, long initialMillis, long maxMillis, long maxRetryAfterMillis) {
    Preconditions.checkArgument(maxAttempts >= 1, "maxAttempts must be >= 1");
    this.maxAttempts = maxAttempts;
    this.initialMillis = initialMillis;
    this.maxMillis = maxMillis;
    this.maxRetryAfterMillis = maxRetryAfterMillis;
  }

  public static RetryPolicy of(int maxAttempts) {
    return new RetryPolicy(maxAttempts, 500, 8_000, 60_000);
  }

  public RetryPolicy withMaxAttempts(int n) {
    return new RetryPolicy(n, initialMillis, maxMillis, maxRetryAfterMillis);
  }

  public RetryPolicy withInitialBackoff(Duration d) {
    return new RetryPolicy(maxAttempts, d.toMillis(), maxMillis, maxRetryAfterMillis);
  }

  public RetryPolicy withMaxBackoff(Duration d) {
    return new RetryPolicy(maxAttempts, initialMillis, d.toMillis(), maxRetryAfterMillis);
  }

  public RetryPolicy withMaxRetryAfter(Duration d) {
    return new RetryPolicy(maxAttempts, initialMillis, maxMillis, d.toMillis());
  }

  public int getMaxAttempts() {
    return maxAttempts;
  }

  /**
   * Milliseconds to wait before attempt {@code attemptsMade + 1}. A retry-after is honoured (capped,
   * plus 0–10% so that workers told the same instant do not all come back at once).
   */
  public long delayMillis(int attemptsMade, OptionalLong retryAfterMillis, Random random) {
    if (retryAfterMillis.isPresent()) {
      long wait = Math.min(Math.max(0, retryAfterMillis.getAsLong()), maxRetryAfterMillis);
      return wait + (long) (wait * 0.1 * random.nextDouble());
    }
    int exponent = Math.max(0, Math.min(30, attemptsMade - 1));
    double backoff = Math.min((double) initialMillis * (1L << exponent), maxMillis);
    return (long) (backoff * (0.75 + 0.25 * random.nextDouble()));
  }

  @Override
  public String toString() {
    return "RetryPolicy{maxAttempts=" + maxAttempts + ", initial=" + initialMillis + "ms, max="
        + maxMillis + "ms}";
  }
}
