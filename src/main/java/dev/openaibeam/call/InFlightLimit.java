package dev.openaibeam.call;

import dev.openaibeam.budget.ShardPacer;
import java.util.Collection;
import java.util.concurrent.TimeUnit;

/**
 * How many calls one instance may have in flight once the probe is answered. Throughput is at most
 * in-flight calls / latency, so a fixed limit silently wastes a budget when calls are slow (60 s
 * calls at 10,000 RPM need 10,000 in flight). Unless the user fixes it, the limit follows Little's
 * law: the budget's rate on this instance x the latency (the slower of the answers' average and the
 * age of the oldest call still out, so it grows before the first slow answer is back) x 1.25, plus
 * one window's burst; at least {@value #FLOOR}, at most what the heap holds at 64 KiB a call.
 *
 * <p>With no limit known at all (none given, none in the headers), it starts slowly: 16 calls,
 * doubling every 250 ms, until the first 429 (from then the rate found from 429s paces) or the cap.
 * A service that limits without saying so then sees a few dozen 429s, not a thousand at once.
 */
final class InFlightLimit {
  static final int FLOOR = 1024;
  private static final long BYTES_PER_CALL = 64 * 1024;
  private static final long DOUBLING = TimeUnit.MILLISECONDS.toNanos(250);
  private static final int FIRST_WINDOW = 16;

  private final int fixed;
  private final int cap;
  private double latencySeconds;
  private long slowStartFrom = -1;
  private boolean slowStartOver;

  /** @param fixed the user's limit; 0 = size it */
  InFlightLimit(int fixed) {
    this.fixed = fixed;
    this.cap = fixed > 0 ? fixed : memoryCap();
  }

  /** The most calls this instance may ever have in flight: the HTTP pool's size. */
  int cap() {
    return cap;
  }

  static int memoryCap() {
    long byHeap = Runtime.getRuntime().maxMemory() / BYTES_PER_CALL;
    return (int) Math.max(FLOOR, Math.min(100_000, byHeap));
  }

  /**
   * The limit for the shards this instance holds: their request rates (a token rate counts as
   * that many average calls), bursts and whether any of them is limited at all.
   */
  int limit(Collection<ShardPacer> shards, double averageTokenCharge, long oldestAgeNanos, long nowNanos) {
    double rate = 0;
    double burst = 0;
    boolean limited = false;
    for (ShardPacer p : shards) {
      double requests = p.requestRatePerSecond();
      rate += requests > 0 ? requests : p.tokenRatePerSecond() / Math.max(1, averageTokenCharge);
      burst += p.burstRequests();
      limited |= p.limited();
    }
    return limit(rate, burst, limited, oldestAgeNanos, nowNanos);
  }

  /**
   * @param ratePerSecond the budget's request rate on this instance; 0 when unknown or unlimited
   * @param burst calls one window's burst may send at once
   * @param limitKnown whether any limit (given, reported or found from 429s) paces these calls
   * @param oldestAgeNanos how long the oldest call in flight has been out (0 for none)
   */
  int limit(double ratePerSecond, double burst, boolean limitKnown, long oldestAgeNanos, long nowNanos) {
    int base = fixed > 0 ? fixed : sized(ratePerSecond, burst, oldestAgeNanos);
    if (limitKnown || slowStartOver) {
      return base;
    }
    if (slowStartFrom < 0) {
      slowStartFrom = nowNanos;
    }
    long doublings = (nowNanos - slowStartFrom) / DOUBLING;
    long window = (long) FIRST_WINDOW << Math.min(20, doublings);
    if (window >= base) {
      slowStartOver = true;
      return base;
    }
    return (int) window;
  }

  private int sized(double ratePerSecond, double burst, long oldestAgeNanos) {
    if (ratePerSecond <= 0) {
      return Math.min(FLOOR, cap);
    }
    double latency = Math.max(latencySeconds, oldestAgeNanos / 1e9);
    double needed = Math.ceil(ratePerSecond * latency * 1.25 + burst);
    return (int) Math.max(Math.min(FLOOR, cap), Math.min(cap, needed));
  }

  /** A 429: a limit exists; the slow start is over (the rate found from 429s takes over). */
  void rateLimited() {
    slowStartOver = true;
  }

  /** An answer's latency, for the average. */
  void answered(long latencyNanos) {
    double s = latencyNanos / 1e9;
    latencySeconds = latencySeconds == 0 ? s : latencySeconds * 0.95 + s * 0.05;
  }
}
