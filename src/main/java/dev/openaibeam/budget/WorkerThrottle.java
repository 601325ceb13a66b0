package dev.openaibeam.budget;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What every shard of a budget on this worker (JVM) learns at once: the service said "wait" (a
 * 429 with its retry-after), so nobody here sends for that budget until then. Pauses last exactly
 * as long as the service asked, never a fixed 15 seconds.
 */
public final class WorkerThrottle {
  private static final ConcurrentMap<String, AtomicLong> PAUSED_UNTIL = new ConcurrentHashMap<>();

  private WorkerThrottle() {}

  public static void pauseUntil(String budgetId, long untilNanos) {
    PAUSED_UNTIL
        .computeIfAbsent(budgetId, k -> new AtomicLong(Long.MIN_VALUE))
        .accumulateAndGet(untilNanos, Math::max);
  }

  /** Nanoseconds this worker must still hold calls of {@code budgetId}; 0 when free. */
  public static long nanosPaused(String budgetId, long nowNanos) {
    AtomicLong until = PAUSED_UNTIL.get(budgetId);
    if (until == null) {
      return 0;
    }
    long left = until.get() - nowNanos;
    return left > 0 ? left : 0;
  }
}
