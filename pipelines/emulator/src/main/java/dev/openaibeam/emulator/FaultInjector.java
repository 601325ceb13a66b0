package dev.openaibeam.emulator;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Applies the {@link FaultPlan} to each call, and remembers every body received: per key, how
 * often it was sent and whether it was answered, so a retry of a row gets its own, reproducible
 * draw and a second payment for a row shows as {@code repeatedAfterSuccess}.
 */
final class FaultInjector {
  /** One body sent with one key: how often so far, and whether it was ever answered 200. */
  private static final class Seen {
    int times; // guarded by the Body it belongs to
    volatile boolean answered;
  }

  /** One body (by digest) and the keys it came with; nearly always one key, kept inline. */
  private static final class Body {
    private String firstKey;
    private Seen first;
    private Map<String, Seen> others;

    synchronized Seen next(String key, int[] timesBefore) {
      Seen s;
      if (first == null) {
        firstKey = key;
        s = first = new Seen();
      } else if (firstKey.equals(key)) {
        s = first;
      } else {
        if (others == null) {
          others = new HashMap<>();
        }
        s = others.computeIfAbsent(key, k -> new Seen());
      }
      timesBefore[0] = s.times++;
      return s;
    }
  }

  /** One call of a body with a key: its fault, and whether that body was already answered. */
  record Attempt(Seen seen, FaultPlan.Fault fault, boolean repeatsASuccess) {}

  // One entry per distinct body, so a call costs one lookup. It grows by one entry per row sent
  // (some 150 bytes: 200,000 rows are about 30 MB), as the counters must survive a plan change.
  private final Map<String, Body> bodies = new ConcurrentHashMap<>(1 << 12);
  private volatile FaultPlan plan;

  FaultInjector(FaultPlan plan) {
    this.plan = plan;
  }

  void setPlan(FaultPlan plan) {
    this.plan = plan;
  }

  Attempt attempt(String digest, String key) {
    int[] before = new int[1];
    Seen s = bodies.computeIfAbsent(digest, d -> new Body()).next(key, before);
    return new Attempt(s, plan.decide(digest, before[0]), s.answered);
  }

  /** The attempt's 200 is being written. */
  void answered(Attempt a) {
    a.seen().answered = true;
  }

  /** The digests of the bodies received (of the calls that got as far as a fault draw). */
  Set<String> digests() {
    return Set.copyOf(bodies.keySet());
  }

  /** Forgets what was seen (the plan stays). */
  void reset() {
    bodies.clear();
  }

  static String status500Body() {
    return ErrorBodies.error("The server had an error while processing your request. Sorry about that!",
        "server_error", null);
  }

  static String status503Body() {
    return ErrorBodies.error("The engine is currently overloaded, please try again later",
        "server_error", null);
  }
}
