package dev.openaibeam.budget;

import com.google.common.base.Preconditions;
import java.io.Serializable;
import java.util.Objects;

/**
 * An account's limits as the service enforces them: requests and tokens per minute (0 = no limit),
 * the enforcement window (OpenAI quantizes per-minute limits to about a second, so a client may
 * burst one second's worth; a service that enforces the full minute lets a client burst a
 * minute's worth), and the fraction of the limit the client aims for, which leaves room for clock
 * skew and network jitter.
 */
public final class RateBudget implements Serializable {
  private final long requestsPerMinute;
  private final long tokensPerMinute;
  private final double windowSeconds;
  private final double headroom;

  private RateBudget(long rpm, long tpm, double windowSeconds, double headroom) {
    Preconditions.checkArgument(rpm >= 0, "requests per minute must be >= 0");
    Preconditions.checkArgument(tpm >= 0, "tokens per minute must be >= 0");
    Preconditions.checkArgument(
        windowSeconds > 0 && windowSeconds <= 60, "window must be in (0, 60] seconds");
    Preconditions.checkArgument(headroom > 0 && headroom <= 1, "headroom must be in (0, 1]");
    this.requestsPerMinute = rpm;
    this.tokensPerMinute = tpm;
    this.windowSeconds = windowSeconds;
    this.headroom = headroom;
  }

  public static RateBudget unlimited() {
    return new RateBudget(0, 0, 1.0, 0.99);
  }

  public static RateBudget of(long requestsPerMinute, long tokensPerMinute) {
    return new RateBudget(requestsPerMinute, tokensPerMinute, 1.0, 0.99);
  }

  public RateBudget withWindowSeconds(double seconds) {
    return new RateBudget(requestsPerMinute, tokensPerMinute, seconds, headroom);
  }

  public RateBudget withHeadroom(double fraction) {
    return new RateBudget(requestsPerMinute, tokensPerMinute, windowSeconds, fraction);
  }

  public long getRequestsPerMinute() {
    return requestsPerMinute;
  }

  public long getTokensPerMinute() {
    return tokensPerMinute;
  }

  public double getWindowSeconds() {
    return windowSeconds;
  }

  public double getHeadroom() {
    return headroom;
  }

  public boolean isUnlimited() {
    return requestsPerMinute == 0 && tokensPerMinute == 0;
  }

  /** This budget divided evenly over {@code shards} keys: the shares add up to the whole. */
  public RateBudget share(int shards) {
    Preconditions.checkArgument(shards >= 1, "shards must be >= 1");
    return new RateBudget(
        requestsPerMinute == 0 ? 0 : Math.max(1, requestsPerMinute / shards),
        tokensPerMinute == 0 ? 0 : Math.max(1, tokensPerMinute / shards),
        windowSeconds,
        headroom);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof RateBudget)) {
      return false;
    }
    RateBudget b = (RateBudget) o;
    return requestsPerMinute == b.requestsPerMinute
        && tokensPerMinute == b.tokensPerMinute
        && windowSeconds == b.windowSeconds
        && headroom == b.headroom;
  }

  @Override
  public int hashCode() {
    return Objects.hash(requestsPerMinute, tokensPerMinute, windowSeconds, headroom);
  }

  @Override
  public String toString() {
    return "RateBudget{rpm=" + requestsPerMinute + ", tpm=" + tokensPerMinute + ", window="
        + windowSeconds + "s, headroom=" + headroom + "}";
  }
}
