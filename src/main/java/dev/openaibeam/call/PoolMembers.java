package dev.openaibeam.call;

import dev.openaibeam.api.ApiError;
import dev.openaibeam.budget.ShardBudgets;
import dev.openaibeam.budget.ShardPacer;
import dev.openaibeam.budget.WorkerThrottle;
import dev.openaibeam.connection.OpenAiClient;
import dev.openaibeam.pool.PoolMember;
import java.util.ArrayList;
import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool's members as one calling instance sees them: each one's client (its key read here),
 * probe, calls in flight and health, and which member a call goes to. A call goes to a member that
 * serves its model, is not retired, not paused by a 429 or its circuit breaker, and whose budget
 * has the most room (the smallest wait, then the largest share of its buckets left after what is in
 * flight, then the one used least recently), so each budget drains in proportion to its limits.
 */
final class PoolMembers implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PoolMembers.class);
  // A member that may not be sent to now (its probe is out): it waits at least this.
  private static final long PROBE_OUT_NANOS = 1_000_000;

  /** One member of the pool, on this instance. */
  static final class Member {
    final PoolMember config;
    final String group;
    final String groupBudgetId;
    final @Nullable OpenAiClient client;
    final MemberHealth health;
    long lastSentNanos;

    Member(PoolMember config, String budgetId, String runToken, @Nullable OpenAiClient client) {
      this.config = config;
      this.group = config.budgetGroup();
      this.groupBudgetId = budgetId + "/" + group;
      this.client = client;
      this.health = MemberHealth.of(runToken, config.getName(), groupBudgetId);
    }

    String name() {
      return config.getName();
    }

    boolean canServe(String model) {
      return health.retiredBecause() == null && !health.retiredFor(model) && config.serves(model);
    }
  }

  /**
   * The member a call goes to and how long until it can take it; no member: none serves it, or
   * (with {@code tooLargeFor} > 0) those that do have a token limit per minute below the call's
   * charge, the largest of them {@code tooLargeFor}.
   */
  record Route(@Nullable Member member, long waitNanos, long tooLargeFor) {
    static final Route NONE = new Route(null, 0, 0);
  }

  private final List<Member> members = new ArrayList<>();

  /** Opens a client per member (reading its key here, on the worker). */
  PoolMembers(CallConfiguration configuration, String runToken, int maxConnections) {
    String budgetId = configuration.budgetId();
    boolean single = configuration.pool().isSingle();
    for (PoolMember m : configuration.pool().getMembers()) {
      OpenAiClient client = null;
      String unusable = null;
      try {
        client = OpenAiClient.open(m.getConnection(), maxConnections);
      } catch (RuntimeException e) {
        if (single) {
          throw e; // one key that cannot be read: nothing can be sent
        }
        unusable = "its key cannot be read: " + e.getMessage();
      }
      Member member = new Member(m, budgetId, runToken, client);
      if (unusable != null) {
        retire(member, unusable);
      }
      members.add(member);
    }
  }

  List<Member> all() {
    return members;
  }

  /** Whether some member can still serve {@code model}. */
  boolean canServe(String model) {
    for (Member m : members) {
      if (m.canServe(model)) {
        return true;
      }
    }
    return false;
  }

  /** Whether any member has answered its probe (then the instance opens up). */
  boolean anyProbed() {
    for (Member m : members) {
      if (m.health.retiredBecause() == null && m.health.probed()) {
        return true;
      }
    }
    return false;
  }

  Route route(String model, long tokenCharge, ShardBudgets budgets, long nowNanos) {
    Member best = null;
    long bestWait = Long.MAX_VALUE;
    double bestLeft = -1;
    long tooLargeFor = 0;
    for (Member m : members) {
      if (!m.canServe(model)) {
        continue;
      }
      ShardPacer p = budgets.group(m.group);
      long tpm = p.tokensPerMinute();
      if (tpm > 0 && tokenCharge > tpm) {
        // It can never fit this member's limit (given or reported): waiting would only hold the
        // bucket until it overflowed it, and the service would refuse it anyway.
        tooLargeFor = Math.max(tooLargeFor, tpm);
        continue;
      }
      long wait = Math.max(WorkerThrottle.nanosPaused(m.groupBudgetId, nowNanos), m.health.nanosOpen(nowNanos));
      wait = Math.max(wait, p.nanosUntil(tokenCharge, nowNanos));
      if (!m.health.maySend()) {
        wait = Math.max(wait, PROBE_OUT_NANOS); // one call until its first answer
      }
      double left = p.fractionLeft(nowNanos);
      if (best == null || wait < bestWait
          || (wait == bestWait && (left > bestLeft
              || (left == bestLeft && m.lastSentNanos < best.lastSentNanos)))) {
        best = m;
        bestWait = wait;
        bestLeft = left;
      }
    }
    if (best == null) {
      return tooLargeFor > 0 ? new Route(null, 0, tooLargeFor) : Route.NONE;
    }
    return new Route(best, bestWait, 0);
  }

  /** An invalid key or no quota left: the member serves nothing more in this run. */
  void retire(Member m, ApiError why) {
    retire(m, describe(why), why);
  }

  /**
   * The answer that retired the last member serving {@code model}, when an answer did (an
   * instance started after it, e.g. by a restart, learns here that the run cannot go on); null
   * while some member serves it, or when none ever listed it.
   */
  @Nullable ApiError retiredTheLast(String model) {
    ApiError why = null;
    for (Member m : members) {
      if (m.canServe(model)) {
        return null;
      }
      if (m.config.serves(model) && m.health.retiredBy() != null) {
        why = m.health.retiredBy();
      }
    }
    return why;
  }

  private void retire(Member m, String why) {
    retire(m, why, null);
  }

  private void retire(Member m, String why, @Nullable ApiError cause) {
    if (m.health.retire(why, cause) && members.size() > 1) {
      LOG.warn("openai-beam: pool member {} retired for this run: {}", m.name(), why);
    }
  }

  /** No access to {@code model} (403): the member serves other models still. */
  void retireFor(Member m, String model, ApiError why) {
    if (m.health.retireFor(model) && members.size() > 1) {
      LOG.warn("openai-beam: pool member {} no longer gets {} requests: {}", m.name(), model, describe(why));
    }
  }

  /** Status and code only: a service's message may quote part of the key. */
  private static String describe(ApiError e) {
    return "HTTP " + e.getStatus() + " " + (e.getCode() != null ? e.getCode() : e.getType());
  }

  @Override
  public void close() {
    for (Member m : members) {
      if (m.client != null) {
        m.client.close();
      }
    }
  }
}
