package dev.openaibeam.call;

import com.google.auto.value.AutoValue;
import dev.openaibeam.budget.BudgetKeys;
import dev.openaibeam.budget.RateBudget;
import dev.openaibeam.cost.CostSettings;
import dev.openaibeam.tokens.TokenEstimator;
import dev.openaibeam.transport.Backoff;
import java.io.Serializable;
import dev.openaibeam.pool.KeyPool;
import dev.openaibeam.pool.PoolMember;
import dev.openaibeam.store.BudgetStore;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Everything an {@link OpenAiCall} and its {@link OpenAiCallFn} need, immutable and serializable.
 * Every {@code with*} of the transform sets one field through {@link #toBuilder()}, so the order
 * of the calls never changes the result. Holds where the key comes from, never the key.
 */
@AutoValue
abstract class CallConfiguration implements Serializable {
  static CallConfiguration of(KeyPool pool) {
    return new AutoValue_CallConfiguration.Builder()
        .setPool(pool)
        .setBackoff(Backoff.standard())
        .setMaxAttempts(5)
        .setBudget(RateBudget.unlimited())
        .setBudgetShards(1)
        .setModelGroup("*")
        .setMaxInFlight(0)
        .setRowDeadline(Duration.ofHours(1))
        .setTokenEstimator(TokenEstimator.create())
        .setStopOnHopelessErrors(true)
        .setJournal(null)
        .setCost(CostSettings.defaults())
        .setBudgetStore(null)
        .build();
  }

  /** The keys, accounts or deployments calls go to (one member for a single connection). */
  abstract KeyPool pool();

  abstract Backoff backoff();

  /** Attempts per request, the first included. */
  abstract int maxAttempts();

  abstract RateBudget budget();

  abstract int budgetShards();

  abstract String modelGroup();

  /** Calls in flight per instance; 0: sized from the budget's rate and the latency seen. */
  abstract int maxInFlight();

  /** How long a row may go on being retried (429s included) after its first attempt. */
  abstract Duration rowDeadline();

  abstract TokenEstimator tokenEstimator();

  abstract boolean stopOnHopelessErrors();

  abstract @Nullable ResultJournal journal();

  abstract CostSettings cost();

  /** Where the budgets shared with other jobs are held; null: in this pipeline's state only. */
  abstract @Nullable BudgetStore budgetStore();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setPool(KeyPool v);

    abstract Builder setBackoff(Backoff v);

    abstract Builder setMaxAttempts(int v);

    abstract Builder setBudget(RateBudget v);

    abstract Builder setBudgetShards(int v);

    abstract Builder setModelGroup(String v);

    abstract Builder setMaxInFlight(int v);

    abstract Builder setRowDeadline(Duration v);

    abstract Builder setTokenEstimator(TokenEstimator v);

    abstract Builder setStopOnHopelessErrors(boolean v);

    abstract Builder setJournal(@Nullable ResultJournal v);

    abstract Builder setCost(CostSettings v);

    abstract Builder setBudgetStore(@Nullable BudgetStore v);

    abstract CallConfiguration build();
  }

  /** The budgets these calls draw from: where they go, who pays, which model group. */
  String budgetId() {
    return BudgetKeys.budgetId(pool().payerIdentity(), modelGroup());
  }

  /**
   * Each budget group's whole budget: the members' own limits (a group takes the lowest its members
   * give), the call's limits for a pool of one; the window, headroom and jitter are the call's.
   */
  Map<String, RateBudget> groupBudgets() {
    Map<String, RateBudget> out = new LinkedHashMap<>();
    pool().groups().forEach((group, members) -> {
      long rpm = pool().isSingle() ? budget().getRequestsPerMinute() : 0;
      long tpm = pool().isSingle() ? budget().getTokensPerMinute() : 0;
      for (PoolMember m : members) {
        rpm = lowestGiven(rpm, m.getRequestsPerMinute());
        tpm = lowestGiven(tpm, m.getTokensPerMinute());
      }
      out.put(group, budget().withRequestsPerMinute(rpm).withTokensPerMinute(tpm));
    });
    return out;
  }

  private static long lowestGiven(long a, long b) {
    return a == 0 ? b : b == 0 ? a : Math.min(a, b);
  }
}
