package dev.openaibeam.call;

import dev.openaibeam.budget.CircuitBreaker;

/**
 * Whether one instance may open up beyond a single call: not until the service has answered once,
 * and again not after every trip of the budget's circuit breaker. A bad key or an unreachable
 * service then costs one call, not a burst, and a cold service cannot queue a whole burst that
 * would then reach its rate limiter all at once. The first answer also carries the limit headers
 * the budget learns from before it opens up.
 */
final class ProbeGate {
  private final CircuitBreaker breaker;
  private long breakerGeneration;
  private boolean probed;

  ProbeGate(CircuitBreaker breaker) {
    this.breaker = breaker;
    this.breakerGeneration = breaker.generation();
  }

  /** Whether the probe has been answered since the breaker last tripped. */
  boolean open() {
    long g = breaker.generation();
    if (g != breakerGeneration) {
      breakerGeneration = g; // the breaker tripped: probe again before opening up
      probed = false;
    }
    return probed;
  }

  /**
   * Records an attempt's answer. {@code transientFailure}: 5xx, timeout or reset (429s are not);
   * {@code inFlight}: the calls still out after this one.
   */
  void answered(boolean transientFailure, int inFlight, long nowNanos) {
    if (!probed && transientFailure && inFlight == 0 && breaker.trips() > 0) {
      breaker.probeFailed(nowNanos); // the probe after a trip failed too: stay shut, longer
    } else {
      breaker.record(transientFailure, nowNanos);
    }
    probed |= !transientFailure;
  }

  long nanosOpen(long nowNanos) {
    return breaker.nanosOpen(nowNanos);
  }
}
