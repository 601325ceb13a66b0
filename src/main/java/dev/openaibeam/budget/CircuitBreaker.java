package dev.openaibeam.budget;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * Stops a budget's calls on this worker while the service is down (5xx, timeouts, resets in at
 * least {@value #TRIP_FAILURES} of the last {@value #WINDOW} answers), instead of burning every row's
 * attempts. A service that fails some calls but answers most is left to the retries. Open,
 * it pauses all calls of the budget for a cool-down (2 s, doubling to 60 s while trips repeat);
 * after it, each caller sends one probe and opens up again on the first healthy answer.
 */
public final class CircuitBreaker {
  static final int WINDOW = 20;
  static final int TRIP_FAILURES = 16;
  private static final long FIRST_COOLDOWN = TimeUnit.SECONDS.toNanos(2);
  private static final long MAX_COOLDOWN = TimeUnit.SECONDS.toNanos(60);
  private static final ConcurrentMap<String, CircuitBreaker> BREAKERS = new ConcurrentHashMap<>();

  private final boolean[] recent = new boolean[WINDOW];
  private int count;
  private int next;
  private int failures;
  private int trips;
  private long openUntilNanos;
  private long generation;

  public static CircuitBreaker forBudget(String budgetId) {
    return BREAKERS.computeIfAbsent(budgetId, k -> new CircuitBreaker());
  }

  /** Records one answer: {@code failed} for 5xx, timeouts and resets; 429s do not count. */
  public synchronized void record(boolean failed, long nowNanos) {
    if (nowNanos < openUntilNanos) {
      return; // stragglers from before the trip
    }
    if (!failed && count > 0 && trips > 0 && failures == 0) {
      trips = 0; // healthy again since the last trip
    }
    if (count == WINDOW) {
      failures -= recent[next] ? 1 : 0;
    } else {
      count++;
    }
    recent[next] = failed;
    failures += failed ? 1 : 0;
    next = (next + 1) % WINDOW;
    if (count == WINDOW && failures >= TRIP_FAILURES) {
      long cooldown = Math.min(MAX_COOLDOWN, FIRST_COOLDOWN << Math.min(trips, 10));
      openUntilNanos = nowNanos + cooldown;
      trips++;
      generation++;
      count = 0;
      next = 0;
      failures = 0;
    }
  }

  /** Records a probe's failure: open again at once, for longer. */
  public synchronized void probeFailed(long nowNanos) {
    long cooldown = Math.min(MAX_COOLDOWN, FIRST_COOLDOWN << Math.min(trips, 10));
    openUntilNanos = nowNanos + cooldown;
    trips++;
    generation++;
  }

  /** Nanoseconds until calls may go again; 0 when closed. */
  public synchronized long nanosOpen(long nowNanos) {
    return Math.max(0, openUntilNanos - nowNanos);
  }

  /** Changes at every trip: a caller that sees a new value must probe before opening up. */
  public synchronized long generation() {
    return generation;
  }

  public synchronized int trips() {
    return trips;
  }
}
