package dev.openaibeam.call;

import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.metrics.Metrics;

/**
 * The Beam metrics of the call stage, in namespace {@value #NAMESPACE}. Updated only on the DoFn's
 * thread, where Beam's metrics container lives. Waiting for budget also counts under Beam's
 * throttling counter, which Dataflow's autoscaler reads.
 */
public final class CallMetrics {
  public static final String NAMESPACE = "openai";

  public static final String REQUESTS = "requests";
  public static final String ATTEMPTS = "attempts";
  public static final String SUCCEEDED = "succeeded";
  public static final String FAILED = "failed";
  public static final String RETRIED = "retried";
  public static final String RATE_LIMITED_REQUESTS = "rate_limited_requests";
  public static final String RATE_LIMITED_TOKENS = "rate_limited_tokens";
  public static final String RATE_LIMITED_OTHER = "rate_limited_other";
  public static final String TOKENS_ESTIMATED = "tokens_estimated";
  public static final String TOKENS_ACTUAL = "tokens_actual";
  public static final String PROMPT_TOKENS_ESTIMATED = "prompt_tokens_estimated";
  public static final String PROMPT_TOKENS_ACTUAL = "prompt_tokens_actual";
  public static final String COMPLETION_TOKENS = "completion_tokens";
  public static final String BUDGET_WAIT_MS = "budget_wait_ms";
  public static final String ESTIMATE_ERROR_PERMILLE = "prompt_estimate_error_permille";
  public static final String LATENCY_MS = "latency_ms";

  final Counter requests = Metrics.counter(NAMESPACE, REQUESTS);
  final Counter attempts = Metrics.counter(NAMESPACE, ATTEMPTS);
  final Counter succeeded = Metrics.counter(NAMESPACE, SUCCEEDED);
  final Counter failed = Metrics.counter(NAMESPACE, FAILED);
  final Counter retried = Metrics.counter(NAMESPACE, RETRIED);
  final Counter rateLimitedRequests = Metrics.counter(NAMESPACE, RATE_LIMITED_REQUESTS);
  final Counter rateLimitedTokens = Metrics.counter(NAMESPACE, RATE_LIMITED_TOKENS);
  final Counter rateLimitedOther = Metrics.counter(NAMESPACE, RATE_LIMITED_OTHER);
  final Counter tokensEstimated = Metrics.counter(NAMESPACE, TOKENS_ESTIMATED);
  final Counter tokensActual = Metrics.counter(NAMESPACE, TOKENS_ACTUAL);
  final Counter promptTokensEstimated = Metrics.counter(NAMESPACE, PROMPT_TOKENS_ESTIMATED);
  final Counter promptTokensActual = Metrics.counter(NAMESPACE, PROMPT_TOKENS_ACTUAL);
  final Counter completionTokens = Metrics.counter(NAMESPACE, COMPLETION_TOKENS);
  final Counter budgetWaitMs = Metrics.counter(NAMESPACE, BUDGET_WAIT_MS);
  final Counter throttlingMsecs =
      Metrics.counter(Metrics.THROTTLE_TIME_NAMESPACE, Metrics.THROTTLE_TIME_COUNTER_NAME);
  final Distribution estimateErrorPermille =
      Metrics.distribution(NAMESPACE, ESTIMATE_ERROR_PERMILLE);
  final Distribution latencyMs = Metrics.distribution(NAMESPACE, LATENCY_MS);

  void waitedForBudget(long millis) {
    if (millis > 0) {
      budgetWaitMs.inc(millis);
      throttlingMsecs.inc(millis);
    }
  }
}
