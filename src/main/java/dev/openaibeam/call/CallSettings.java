package dev.openaibeam.call;

import dev.openaibeam.budget.RateBudget;
import dev.openaibeam.cost.CostSettings;
import dev.openaibeam.http.ApiKeySource;
import dev.openaibeam.http.HttpSettings;
import dev.openaibeam.http.RetryPolicy;
import dev.openaibeam.tokens.TokenEstimator;
import java.io.Serializable;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Everything {@link OpenAiCallFn} needs, immutable and serializable. Holds where the key comes
 * from, never the key.
 */
record CallSettings(
    HttpSettings http,
    ApiKeySource keySource,
    RetryPolicy retryPolicy,
    RateBudget budget,
    int budgetShards,
    String modelGroup,
    int maxInFlight,
    TokenEstimator tokenEstimator,
    boolean stopOnHopelessErrors,
    @Nullable ResultJournal journal,
    CostSettings cost)
    implements Serializable {

  static CallSettings defaults() {
    return new CallSettings(
        HttpSettings.of("https://api.openai.com/v1"),
        ApiKeySource.fromEnv("OPENAI_API_KEY"),
        RetryPolicy.of(5),
        RateBudget.unlimited(),
        1,
        "*",
        1024,
        TokenEstimator.create(),
        true,
        null,
        CostSettings.defaults());
  }

  CallSettings withHttp(HttpSettings v) {
    return new CallSettings(v, keySource, retryPolicy, budget, budgetShards, modelGroup,
        maxInFlight, tokenEstimator, stopOnHopelessErrors, journal, cost);
  }

  CallSettings withKeySource(ApiKeySource v) {
    return new CallSettings(http, v, retryPolicy, budget, budgetShards, modelGroup, maxInFlight,
        tokenEstimator, stopOnHopelessErrors, journal, cost);
  }

  CallSettings withRetryPolicy(RetryPolicy v) {
    return new CallSettings(http, keySource, v, budget, budgetShards, modelGroup, maxInFlight,
        tokenEstimator, stopOnHopelessErrors, journal, cost);
  }

  CallSettings withBudget(RateBudget v) {
    return new CallSettings(http, keySource, retryPolicy, v, budgetShards, modelGroup,
        maxInFlight, tokenEstimator, stopOnHopelessErrors, journal, cost);
  }

  CallSettings withBudgetShards(int v) {
    return new CallSettings(http, keySource, retryPolicy, budget, v, modelGroup, maxInFlight,
        tokenEstimator, stopOnHopelessErrors, journal, cost);
  }

  CallSettings withModelGroup(String v) {
    return new CallSettings(http, keySource, retryPolicy, budget, budgetShards, v, maxInFlight,
        tokenEstimator, stopOnHopelessErrors, journal, cost);
  }

  CallSettings withMaxInFlight(int v) {
    return new CallSettings(http, keySource, retryPolicy, budget, budgetShards, modelGroup, v,
        tokenEstimator, stopOnHopelessErrors, journal, cost);
  }

  CallSettings withTokenEstimator(TokenEstimator v) {
    return new CallSettings(http, keySource, retryPolicy, budget, budgetShards, modelGroup,
        maxInFlight, v, stopOnHopelessErrors, journal, cost);
  }

  CallSettings withStopOnHopelessErrors(boolean v) {
    return new CallSettings(http, keySource, retryPolicy, budget, budgetShards, modelGroup,
        maxInFlight, tokenEstimator, v, journal, cost);
  }

  CallSettings withJournal(@Nullable ResultJournal v) {
    return new CallSettings(http, keySource, retryPolicy, budget, budgetShards, modelGroup,
        maxInFlight, tokenEstimator, stopOnHopelessErrors, v, cost);
  }

  CallSettings withCost(CostSettings v) {
    return new CallSettings(http, keySource, retryPolicy, budget, budgetShards, modelGroup,
        maxInFlight, tokenEstimator, stopOnHopelessErrors, journal, v);
  }

  /** The budget these calls draw from: where they go, who pays, which model group. */
  String budgetId() {
    return dev.openaibeam.budget.BudgetKeys.budgetId(
        http.getBaseUrl(), keySource.describe(), modelGroup);
  }
}
