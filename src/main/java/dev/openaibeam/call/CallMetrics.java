package dev.openaibeam.call;

import dev.openaibeam.budget.ShardPacer;
import dev.openaibeam.cost.CostMetrics;
import dev.openaibeam.cost.TokenUsage;
import dev.openaibeam.transport.RateLimitKind;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.metrics.Gauge;
import org.apache.beam.sdk.metrics.Metrics;

/**
 * The one {@link CallListener}: every event feeds the Beam metrics of the call stage (namespace
 * {@value #NAMESPACE}) and the JVM-wide {@link LocalProgress} behind the progress line. Updated only
 * on the DoFn's thread, where Beam's metrics container lives. Waiting for budget also counts under
 * Beam's throttling counter, which Dataflow's autoscaler reads.
 */
public final class CallMetrics implements CallListener {
  public static final String NAMESPACE = "openai";

  public static final String REQUESTS = "requests";
  public static final String ATTEMPTS = "attempts";
  public static final String SUCCEEDED = "succeeded";
  public static final String FAILED = "failed";
  /** Rows a restarted instance answered from the journal instead of calling again. */
  public static final String JOURNAL_REPLAYED = "journal_replayed";
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
  public static final String IN_FLIGHT_WAIT_MS = "in_flight_wait_ms";
  /** Distribution: time to the first token of streamed answers. */
  public static final String FIRST_TOKEN_MS = "first_token_ms";
  /** Per pool member, named {@code PREFIX + member}: calls sent, tokens used, 429s. */
  public static final String MEMBER_CALLS = "member_calls:";
  public static final String MEMBER_TOKENS = "member_tokens:";
  public static final String MEMBER_429S = "member_429s:";
  public static final String MEMBER_COST = "member_cost_nano_usd:";
  /** Gauges: the request and token limits in force (per minute, whole budget) and their sources. */
  public static final String LIMIT_REQUESTS = "limit_requests_per_minute";
  public static final String LIMIT_REQUESTS_SOURCE = "limit_requests_source";
  public static final String LIMIT_TOKENS = "limit_tokens_per_minute";
  public static final String LIMIT_TOKENS_SOURCE = "limit_tokens_source";

  private final Counter requests = Metrics.counter(NAMESPACE, REQUESTS);
  private final Counter attempts = Metrics.counter(NAMESPACE, ATTEMPTS);
  private final Counter succeeded = Metrics.counter(NAMESPACE, SUCCEEDED);
  private final Counter failed = Metrics.counter(NAMESPACE, FAILED);
  private final Counter retried = Metrics.counter(NAMESPACE, RETRIED);
  private final Counter rateLimitedRequests = Metrics.counter(NAMESPACE, RATE_LIMITED_REQUESTS);
  private final Counter rateLimitedTokens = Metrics.counter(NAMESPACE, RATE_LIMITED_TOKENS);
  private final Counter rateLimitedOther = Metrics.counter(NAMESPACE, RATE_LIMITED_OTHER);
  private final Counter tokensEstimated = Metrics.counter(NAMESPACE, TOKENS_ESTIMATED);
  private final Counter tokensActual = Metrics.counter(NAMESPACE, TOKENS_ACTUAL);
  private final Counter promptTokensEstimated = Metrics.counter(NAMESPACE, PROMPT_TOKENS_ESTIMATED);
  private final Counter promptTokensActual = Metrics.counter(NAMESPACE, PROMPT_TOKENS_ACTUAL);
  private final Counter completionTokens = Metrics.counter(NAMESPACE, COMPLETION_TOKENS);
  private final Counter budgetWaitMs = Metrics.counter(NAMESPACE, BUDGET_WAIT_MS);
  private final Counter throttlingMsecs =
      Metrics.counter(Metrics.THROTTLE_TIME_NAMESPACE, Metrics.THROTTLE_TIME_COUNTER_NAME);
  private final Distribution estimateErrorPermille =
      Metrics.distribution(NAMESPACE, ESTIMATE_ERROR_PERMILLE);
  private final Distribution latencyMs = Metrics.distribution(NAMESPACE, LATENCY_MS);
  private final Counter inFlightWaitMs = Metrics.counter(NAMESPACE, IN_FLIGHT_WAIT_MS);
  private final Distribution firstTokenMs = Metrics.distribution(NAMESPACE, FIRST_TOKEN_MS);
  private final Counter possiblyBilled = Metrics.counter(CostMetrics.NAMESPACE, CostMetrics.POSSIBLY_BILLED);
  private final Map<String, Counter> members = new HashMap<>();
  private final Gauge limitRequests = Metrics.gauge(NAMESPACE, LIMIT_REQUESTS);
  private final Gauge limitRequestsSource = Metrics.gauge(NAMESPACE, LIMIT_REQUESTS_SOURCE);
  private final Gauge limitTokens = Metrics.gauge(NAMESPACE, LIMIT_TOKENS);
  private final Gauge limitTokensSource = Metrics.gauge(NAMESPACE, LIMIT_TOKENS_SOURCE);

  private Counter perMember(String prefix, String member) {
    return members.computeIfAbsent(prefix + member, n -> Metrics.counter(NAMESPACE, n));
  }

  @Override
  public void admitted(long tokenCharge, long promptEstimate) {
    requests.inc();
    tokensEstimated.inc(tokenCharge);
    promptTokensEstimated.inc(promptEstimate);
  }

  @Override
  public void rejected() {
    requests.inc();
  }

  @Override
  public void attemptSent(long nowNanos, String member) {
    attempts.inc();
    perMember(MEMBER_CALLS, member).inc();
    LocalProgress.attemptSent(nowNanos, member);
  }

  @Override
  public void attemptReturned(long nowNanos) {
    LocalProgress.attemptReturned(nowNanos);
  }

  @Override
  public void rateLimited(RateLimitKind kind, String member) {
    LocalProgress.countRateLimited();
    perMember(MEMBER_429S, member).inc();
    switch (kind) {
      case REQUESTS:
        rateLimitedRequests.inc();
        break;
      case TOKENS:
        rateLimitedTokens.inc();
        break;
      default:
        rateLimitedOther.inc();
    }
  }

  @Override
  public void retried() {
    retried.inc();
  }

  @Override
  public void unreadableAnswer() {
    possiblyBilled.inc();
  }

  @Override
  public void firstToken(long millis) {
    firstTokenMs.update(millis);
  }

  @Override
  public void answered(
      long latencyMillis, Optional<TokenUsage> usage, long promptEstimate, boolean estimated,
      String member) {
    if (usage.isPresent()) {
      perMember(MEMBER_TOKENS, member).inc(usage.get().inputTokens() + usage.get().outputTokens());
      long prompt = usage.get().inputTokens();
      long completion = usage.get().outputTokens();
      promptTokensActual.inc(prompt);
      completionTokens.inc(completion);
      tokensActual.inc(prompt + completion);
      if (prompt > 0 && estimated) {
        estimateErrorPermille.update((promptEstimate - prompt) * 1000 / prompt);
      }
    }
    latencyMs.update(latencyMillis);
    succeeded.inc();
    LocalProgress.countSucceeded();
  }

  @Override
  public void spent(long nanoUsd, String member) {
    if (nanoUsd > 0) {
      perMember(MEMBER_COST, member).inc(nanoUsd);
    }
  }

  @Override
  public void failed() {
    failed.inc();
    LocalProgress.countFailed();
  }

  @Override
  public void waitedForInFlight(long millis) {
    if (millis > 0) {
      inFlightWaitMs.inc(millis);
    }
  }

  @Override
  public void limits(ShardPacer pacer, long nowNanos) {
    limitRequests.set(pacer.requestsPerMinute(nowNanos));
    limitRequestsSource.set(pacer.requestsSource().code());
    limitTokens.set(pacer.tokensPerMinute());
    limitTokensSource.set(pacer.tokensSource().code());
  }

  @Override
  public void waitedForBudget(long millis) {
    if (millis > 0) {
      budgetWaitMs.inc(millis);
      throttlingMsecs.inc(millis);
    }
  }
}
