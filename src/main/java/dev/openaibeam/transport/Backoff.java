package dev.openaibeam.transport;

import com.google.auto.value.AutoValue;
import com.google.common.base.Preconditions;
import java.io.Serializable;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.Random;

/**
 * How long the single retry layer waits before trying again: the service's {@code retry-after}
 * when it sends one (capped), else exponential backoff {@code min(initial × 2^(n-1), max)} times a
 * jitter in [0.75, 1], as the official SDKs do. How many attempts are made is set apart from this
 * ({@code withMaxAttempts}), so that setting one never resets the other.
 */
@AutoValue
public abstract class Backoff implements Serializable {
  /** The official SDKs' waits: 0.5 s doubling to 8 s; a retry-after honoured up to 60 s. */
  public static Backoff standard() {
    return new AutoValue_Backoff(
        Duration.ofMillis(500), Duration.ofSeconds(8), Duration.ofSeconds(60));
  }

  public abstract Duration getInitial();

  public abstract Duration getMax();

  /** The longest retry-after honoured as it is. */
  public abstract Duration getMaxRetryAfter();

  public Backoff withInitial(Duration d) {
    return new AutoValue_Backoff(nonNegative(d), getMax(), getMaxRetryAfter());
  }

  public Backoff withMax(Duration d) {
    return new AutoValue_Backoff(getInitial(), nonNegative(d), getMaxRetryAfter());
  }

  public Backoff withMaxRetryAfter(Duration d) {
    return new AutoValue_Backoff(getInitial(), getMax(), nonNegative(d));
  }

  /**
   * Milliseconds to wait before attempt {@code attemptsMade + 1}. A retry-after is honoured (capped,
   * plus 0–10% so that workers told the same instant do not all come back at once).
   */
  public long delayMillis(int attemptsMade, OptionalLong retryAfterMillis, Random random) {
    if (retryAfterMillis.isPresent()) {
      long wait = Math.min(Math.max(0, retryAfterMillis.getAsLong()), getMaxRetryAfter().toMillis());
      return wait + (long) (wait * 0.1 * random.nextDouble());
    }
    int exponent = Math.max(0, Math.min(30, attemptsMade - 1));
    double backoff =
        Math.min((double) getInitial().toMillis() * (1L << exponent), getMax().toMillis());
    return (long) (backoff * (0.75 + 0.25 * random.nextDouble()));
  }

  private static Duration nonNegative(Duration d) {
    Preconditions.checkArgument(d != null && !d.isNegative(), "a backoff must be >= 0");
    return d;
  }
}
