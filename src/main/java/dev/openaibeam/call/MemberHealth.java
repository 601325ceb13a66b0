package dev.openaibeam.call;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import dev.openaibeam.api.ApiError;
import dev.openaibeam.budget.CircuitBreaker;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What every calling instance on this worker (JVM) knows of one pool member in one run: whether it
 * is retired (for every model or for some), and its probe. Shared, so that a wrong key or an empty
 * account costs one call per worker, not one per instance: the first answer retires it for all.
 * Keyed by the run (a token made when the transform is expanded), so a later run in the same JVM
 * tries the member afresh.
 */
final class MemberHealth {
  // Weak values: a run's entries go once its instances are gone.
  private static final Cache<String, MemberHealth> ALL = CacheBuilder.newBuilder().weakValues().build();

  private final ProbeGate probe;
  private final Set<String> retiredFor = ConcurrentHashMap.newKeySet();
  private volatile @Nullable String retiredBecause;
  private volatile @Nullable ApiError retiredBy;
  private int probesOut;

  private MemberHealth(CircuitBreaker breaker) {
    this.probe = new ProbeGate(breaker);
  }

  static MemberHealth of(String runToken, String memberName, String groupBudgetId) {
    try {
      return ALL.get(runToken + "\n" + memberName,
          () -> new MemberHealth(CircuitBreaker.forBudget(groupBudgetId)));
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  @Nullable String retiredBecause() {
    return retiredBecause;
  }

  /** The answer that retired the member (null: not retired, or its key could not be read). */
  @Nullable ApiError retiredBy() {
    return retiredBy;
  }

  /** Retires the member; true for the caller that retired it first (that one says so). */
  synchronized boolean retire(String why, @Nullable ApiError cause) {
    if (retiredBecause != null) {
      return false;
    }
    retiredBecause = why;
    retiredBy = cause;
    return true;
  }

  boolean retiredFor(String model) {
    return retiredFor.contains(model);
  }

  boolean retireFor(String model) {
    return retiredFor.add(model);
  }

  /** Whether the probe has been answered (since the breaker last tripped). */
  synchronized boolean probed() {
    return probe.open();
  }

  /** Whether a call may go now: once probed any, before that one at a time on this worker. */
  synchronized boolean maySend() {
    return probe.open() || probesOut == 0;
  }

  /** Counts a call sent; true when it went out as a probe (before the member opened up). */
  synchronized boolean sent() {
    if (probe.open()) {
      return false;
    }
    probesOut++;
    return true;
  }

  /** {@code transientFailure}: 5xx, timeout or reset; {@code wasProbe}: sent before it opened. */
  synchronized void answered(boolean transientFailure, boolean wasProbe, long nowNanos) {
    if (wasProbe && probesOut > 0) {
      probesOut--;
    }
    probe.answered(transientFailure, probesOut, nowNanos);
  }

  long nanosOpen(long nowNanos) {
    return probe.nanosOpen(nowNanos);
  }
}
