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
  private final double jitterSeconds;

  private RateBudget(long rpm, long tpm, double windowSeconds, double headroom) {
    this(rpm, tpm, windowSeconds, headroom, 0.05);
  }

  private RateBudget(long rpm, long tpm, double windowSeconds, double headroom, double jitterSeconds) {
    Preconditions.checkArgument(rpm >= 0, "requests per minute must be >= 0");
    Preconditions.checkArgument(tpm >= 0, "tokens per minute must be >= 0");
    Preconditions.checkArgument(
        windowSeconds > 0 && windowSeconds <= 60, "window must be in (0, 60] seconds");
    Preconditions.checkArgument(headroom > 0 && headroom <= 1, "headroom must be in (0, 1]");
    this.requestsPerMinute = rpm;
    this.tokensPerMinute = tpm;
    this.windowSeconds = windowSeconds;
    this.headroom = headroom;
    this.jitterSeconds = jitterSeconds;
  }

  public static RateBudget unlimited() {
    return new RateBudget(0, 0, 1.0, 0.99);
  }

  public static RateBudget of(long requestsPerMinute, long tokensPerMinute) {
    return new RateBudget(requestsPerMinute, tokensPerMinute, 1.0, 0.99);
  }

  public RateBudget withRequestsPerMinute(long rpm) {
    return new RateBudget(rpm, tokensPerMinute, windowSeconds, headroom, jitterSeconds);
  }

  public RateBudget withTokensPerMinute(long tpm) {
    return new RateBudget(requestsPerMinute, tpm, windowSeconds, headroom, jitterSeconds);
  }

  public RateBudget withWindowSeconds(double seconds) {
    return new RateBudget(requestsPerMinute, tokensPerMinute, seconds, headroom, jitterSeconds);
  }

  public RateBudget withHeadroom(double fraction) {
    return new RateBudget(requestsPerMinute, tokensPerMinute, windowSeconds, fraction, jitterSeconds);
  }

  /**
   * How much the arrival of calls at the service may bunch up compared with when they were sent
   * (connection set-up, scheduling): the burst is reduced by what this much time refills, so
   * bunched arrivals still fit the service's bucket. Default 50 ms.
   */
  public RateBudget withJitterSeconds(double seconds) {
    Preconditions.checkArgument(seconds >= 0, "jitter must be >= 0");
    return new RateBudget(requestsPerMinute, tokensPerMinute, windowSeconds, headroom, seconds);
  }

  public double getJitterSeconds() {
    return jitterSeconds;
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
        headroom,
        jitterSeconds);
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
        && headroom == b.headroom
        && jitterSeconds == b.jitterSeconds;
  }

  @Override
  public int hashCode() {
    return Objects.hash(requestsPerMinute, tokensPerMinute, windowSeconds, headroom, jitterSeconds);
  }

  @Override
  public String toString() {
    return "RateBudget{rpm=" + requestsPerMinute + ", tpm=" + tokensPerMinute + ", window="
        + windowSeconds + "s, headroom=" + headroom + "}";
  }
}
