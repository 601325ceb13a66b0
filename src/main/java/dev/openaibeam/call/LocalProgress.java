package dev.openaibeam.call;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * This JVM's view of the call stage, for a live progress line on local runs (direct runner, Flink
 * local mode), where all workers share the JVM; fed by {@link CallMetrics}. On a cluster, each
 * worker only sees its own part: use the runner's metrics there.
 */
public final class LocalProgress {
  private static final AtomicLong KEYED = new AtomicLong();
  private static final AtomicLong SUCCEEDED = new AtomicLong();
  private static final AtomicLong FAILED = new AtomicLong();
  private static final AtomicLong RATE_LIMITED = new AtomicLong();
  private static final AtomicLong IN_FLIGHT = new AtomicLong();
  private static final AtomicLong PEAK_IN_FLIGHT = new AtomicLong();
  private static final AtomicLong FIRST_SENT_NANOS = new AtomicLong();
  private static final AtomicLong LAST_RETURNED_NANOS = new AtomicLong();
  private static final ConcurrentMap<String, AtomicLong> MEMBER_CALLS = new ConcurrentSkipListMap<>();

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

  /** {@link System#nanoTime()} of this JVM's first call; 0 when it made none. */
  public static long firstSentNanos() {
    return FIRST_SENT_NANOS.get();
  }

  /** {@link System#nanoTime()} of the last answer this JVM received; 0 when none. */
  public static long lastReturnedNanos() {
    return LAST_RETURNED_NANOS.get();
  }

  /** Calls sent per pool member, by name (one entry, "default", for a single key). */
  public static Map<String, Long> callsByMember() {
    Map<String, Long> out = new TreeMap<>();
    MEMBER_CALLS.forEach((m, n) -> out.put(m, n.get()));
    return out;
  }

  public static void reset() {
    MEMBER_CALLS.clear();
    for (AtomicLong c : new AtomicLong[] {KEYED, SUCCEEDED, FAILED, RATE_LIMITED, IN_FLIGHT,
        PEAK_IN_FLIGHT, FIRST_SENT_NANOS, LAST_RETURNED_NANOS}) {
      c.set(0);
    }
  }

  static void rowKeyed() {
    KEYED.incrementAndGet();
  }

  static void attemptSent(long nowNanos, String member) {
    PEAK_IN_FLIGHT.accumulateAndGet(IN_FLIGHT.incrementAndGet(), Math::max);
    MEMBER_CALLS.computeIfAbsent(member, m -> new AtomicLong()).incrementAndGet();
    if (FIRST_SENT_NANOS.get() == 0) {
      FIRST_SENT_NANOS.compareAndSet(0, nowNanos);
    }
  }

  static void attemptReturned(long nowNanos) {
    IN_FLIGHT.decrementAndGet();
    LAST_RETURNED_NANOS.accumulateAndGet(nowNanos, Math::max);
  }

  static void countSucceeded() {
    SUCCEEDED.incrementAndGet();
  }

  static void countFailed() {
    FAILED.incrementAndGet();
  }

  static void countRateLimited() {
    RATE_LIMITED.incrementAndGet();
  }
}
