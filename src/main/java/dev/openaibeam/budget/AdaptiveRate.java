package dev.openaibeam.budget;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The request rate a shard allows itself when neither the user nor the service says what the
 * limit is (vLLM, llama.cpp, gateways that send no {@code x-ratelimit-*} headers): found from the
 * service's 429s, the way TCP CUBIC finds a network's capacity.
 *
 * <p>A 429 more than a window after the last cut is an overshoot. The rate the service accepted
 * over the last second (what was sent, less the share of it that came back 429) becomes the
 * ceiling, and the rate is cut to {@value #DECREASE} of it; the overshoot's other 429s, coming back
 * within the window, lower the ceiling to what they show was accepted, so one cut lands near the
 * limit however far above it the rate was. Between overshoots the rate first closes on the ceiling (half the gap
 * a second), then probes above it, slowly at first (2% a second, doubling every second), so it
 * settles just under the service's limit and still finds a higher one quickly. 429s come only at
 * the tops of the saw.
 */
final class AdaptiveRate {
  static final double DECREASE = 0.85;
  private static final double APPROACH_PER_SECOND = 0.5;
  private static final double FIRST_PROBE_GROWTH = 0.02;
  private static final double MAX_PROBE_GROWTH = 0.25;
  private static final double MIN_RATE = 0.1;
  private static final long WINDOW = TimeUnit.SECONDS.toNanos(1);
  private static final long SLOT = TimeUnit.MILLISECONDS.toNanos(100);
  private static final int SLOTS = 10; // the last second, in tenths

  private final long[] slotEpoch = new long[SLOTS];
  private final long[] slotSent = new long[SLOTS];
  private final long[] slotRejected = new long[SLOTS];
  private double rate; // per second; 0 until the first 429
  private double ceiling;
  private double probeGrowth = FIRST_PROBE_GROWTH;
  private long lastCutNanos;
  private long updatedAtNanos;

  AdaptiveRate() {
    Arrays.fill(slotEpoch, Long.MIN_VALUE);
  }

  boolean engaged() {
    return rate > 0;
  }

  /** A call was sent. */
  void sent(long nowNanos) {
    slotSent[slot(nowNanos)]++;
  }

  private int slot(long nowNanos) {
    long epoch = Math.floorDiv(nowNanos, SLOT);
    int i = (int) Math.floorMod(epoch, (long) SLOTS);
    if (slotEpoch[i] != epoch) {
      slotEpoch[i] = epoch;
      slotSent[i] = 0;
      slotRejected[i] = 0;
    }
    return i;
  }

  /** What the service accepted over the last second, per second: sent, less the share rejected. */
  double acceptedPerSecond(long nowNanos) {
    long epoch = Math.floorDiv(nowNanos, SLOT);
    long sent = 0;
    long rejected = 0;
    for (int i = 0; i < SLOTS; i++) {
      if (slotEpoch[i] > epoch - SLOTS && slotEpoch[i] <= epoch) {
        sent += slotSent[i];
        rejected += slotRejected[i];
      }
    }
    // Over a second at least: a first window's burst is not a rate.
    return sent == 0 ? 0 : sent * (1 - Math.min(1.0, rejected / (double) sent)) / (WINDOW / 1e9);
  }

  /**
   * A 429 for a rate limit. Returns whether the worker should also wait the service's retry-after:
   * only when 429s keep coming within two windows of the last cut (a fixed-window limiter, or a
   * limit far below the rate), since a single overshoot is already answered by the cut.
   */
  boolean rateLimited(long nowNanos) {
    slotRejected[slot(nowNanos)]++;
    if (rate > 0 && nowNanos - lastCutNanos < WINDOW) {
      // The same overshoot's other calls, coming back: each tells more of what was accepted.
      ceiling = Math.max(MIN_RATE, Math.min(ceiling, acceptedPerSecond(nowNanos)));
      rate = Math.min(rate, Math.max(MIN_RATE, ceiling * DECREASE));
      return false;
    }
    boolean soonAfterTheLastCut = rate > 0 && nowNanos - lastCutNanos < 2 * WINDOW;
    double accepted = acceptedPerSecond(nowNanos);
    ceiling = Math.max(MIN_RATE, rate > 0 ? Math.min(current(nowNanos), accepted) : accepted);
    rate = Math.max(MIN_RATE, ceiling * DECREASE);
    probeGrowth = FIRST_PROBE_GROWTH;
    lastCutNanos = nowNanos;
    updatedAtNanos = nowNanos;
    return soonAfterTheLastCut;
  }

  /** The rate now, grown since the last cut. 0 when not engaged. */
  double current(long nowNanos) {
    if (rate == 0 || nowNanos <= updatedAtNanos) {
      return rate;
    }
    double dt = (nowNanos - updatedAtNanos) / 1e9;
    updatedAtNanos = nowNanos;
    if (rate < ceiling * 0.99) {
      rate += (ceiling - rate) * (1 - Math.exp(-APPROACH_PER_SECOND * dt));
    } else {
      rate *= 1 + probeGrowth * dt;
      probeGrowth = Math.min(MAX_PROBE_GROWTH, probeGrowth * Math.pow(2, dt));
    }
    return rate;
  }

  /** The rate of the last overshoot. */
  double ceiling() {
    return ceiling;
  }

  /** Continues from a rate and ceiling kept in Beam state. */
  void restore(double ratePerSecond, double ceilingPerSecond, long nowNanos) {
    if (ratePerSecond > 0) {
      rate = ratePerSecond;
      ceiling = Math.max(ratePerSecond, ceilingPerSecond);
      lastCutNanos = nowNanos - WINDOW; // a 429 just after a new bundle starts is a new overshoot
      updatedAtNanos = nowNanos;
    }
  }
}
