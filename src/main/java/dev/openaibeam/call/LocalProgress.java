package dev.openaibeam.call;

import java.util.concurrent.atomic.AtomicLong;

/**
 * This JVM's view of the call stage, for a live progress line on local runs (direct runner, Flink
 * local mode), where all workers share the JVM. On a cluster, each worker only sees its own part:
 * use the runner's metrics there.
 */
public final class LocalProgress {
  static final AtomicLong KEYED = new AtomicLong();
  static final AtomicLong SUCCEEDED = new AtomicLong();
  static final AtomicLong FAILED = new AtomicLong();
  static final AtomicLong RATE_LIMITED = new AtomicLong();
  static final AtomicLong IN_FLIGHT = new AtomicLong();
  static final AtomicLong PEAK_IN_FLIGHT = new AtomicLong();

  private LocalProgress() {}

  /** Rows that reached the call stage (all of them, before the first call, on batch runners). */
  public static long rows() {
    return KEYED.get();
  }

  public static long succeeded() {
    return SUCCEEDED.get();
  }

  public static long failed() {
    return FAILED.get();
  }

  public static long rateLimited() {
    return RATE_LIMITED.get();
  }

  public static long inFlight() {
    return IN_FLIGHT.get();
  }

  /** The most calls this JVM had in flight at once. */
  public static long peakInFlight() {
    return PEAK_IN_FLIGHT.get();
  }

  static void sent() {
    long now = IN_FLIGHT.incrementAndGet();
    PEAK_IN_FLIGHT.accumulateAndGet(now, Math::max);
  }

  public static void reset() {
    PEAK_IN_FLIGHT.set(0);
    KEYED.set(0);
    SUCCEEDED.set(0);
    FAILED.set(0);
    RATE_LIMITED.set(0);
    IN_FLIGHT.set(0);
  }
}
