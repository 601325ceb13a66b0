package dev.openaibeam.budget;

import com.google.auto.value.AutoValue;
import com.google.common.base.Preconditions;
import java.io.Serializable;

/**
 * An account's limits as the service enforces them: requests and tokens per minute (0 = no limit),
 * the enforcement window (OpenAI quantizes per-minute limits to about a second, so a client may
 * burst one second's worth; a service that enforces the full minute lets a client burst a
 * minute's worth), the fraction of the limit the client aims for, which leaves room for clock skew
 * and network jitter, and the jitter allowance that trims the burst.
 */
@AutoValue
public abstract class RateBudget implements Serializable {
  public static RateBudget unlimited() {
    return of(0, 0);
  }

  public static RateBudget of(long requestsPerMinute, long tokensPerMinute) {
    return new AutoValue_RateBudget.Builder()
        .setRequestsPerMinute(requestsPerMinute)
        .setTokensPerMinute(tokensPerMinute)
        .setWindowSeconds(1.0)
        .setHeadroom(0.99)
        .setJitterSeconds(0.05)
        .build();
  }

  public abstract long getRequestsPerMinute();

  public abstract long getTokensPerMinute();

  public abstract double getWindowSeconds();

  public abstract double getHeadroom();

  /**
   * How much the arrival of calls at the service may bunch up compared with when they were sent
   * (connection set-up, scheduling): the burst is reduced by what this much time refills, so
   * bunched arrivals still fit the service's bucket. Default 50 ms.
   */
  public abstract double getJitterSeconds();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setRequestsPerMinute(long v);

    abstract Builder setTokensPerMinute(long v);

    abstract Builder setWindowSeconds(double v);

    abstract Builder setHeadroom(double v);

    abstract Builder setJitterSeconds(double v);

    abstract RateBudget autoBuild();

    RateBudget build() {
      RateBudget b = autoBuild();
      Preconditions.checkArgument(b.getRequestsPerMinute() >= 0, "requests per minute must be >= 0");
      Preconditions.checkArgument(b.getTokensPerMinute() >= 0, "tokens per minute must be >= 0");
      Preconditions.checkArgument(
          b.getWindowSeconds() > 0 && b.getWindowSeconds() <= 60, "window must be in (0, 60] seconds");
      Preconditions.checkArgument(
          b.getHeadroom() > 0 && b.getHeadroom() <= 1, "headroom must be in (0, 1]");
      Preconditions.checkArgument(b.getJitterSeconds() >= 0, "jitter must be >= 0");
      return b;
    }
  }

  public RateBudget withRequestsPerMinute(long rpm) {
    return toBuilder().setRequestsPerMinute(rpm).build();
  }

  public RateBudget withTokensPerMinute(long tpm) {
    return toBuilder().setTokensPerMinute(tpm).build();
  }

  public RateBudget withWindowSeconds(double seconds) {
    return toBuilder().setWindowSeconds(seconds).build();
  }

  public RateBudget withHeadroom(double fraction) {
    return toBuilder().setHeadroom(fraction).build();
  }

  public RateBudget withJitterSeconds(double seconds) {
    return toBuilder().setJitterSeconds(seconds).build();
  }

  public boolean isUnlimited() {
    return getRequestsPerMinute() == 0 && getTokensPerMinute() == 0;
  }

  /** This budget divided evenly over {@code shards} keys: the shares add up to the whole. */
  public RateBudget share(int shards) {
    Preconditions.checkArgument(shards >= 1, "shards must be >= 1");
    return toBuilder()
        .setRequestsPerMinute(
            getRequestsPerMinute() == 0 ? 0 : Math.max(1, getRequestsPerMinute() / shards))
        .setTokensPerMinute(getTokensPerMinute() == 0 ? 0 : Math.max(1, getTokensPerMinute() / shards))
        .build();
  }
}
