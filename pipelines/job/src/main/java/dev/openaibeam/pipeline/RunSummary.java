package dev.openaibeam.pipeline;

import dev.openaibeam.batch.BatchMetrics;
import dev.openaibeam.budget.LimitSource;
import dev.openaibeam.call.CallMetrics;
import dev.openaibeam.cost.SpendReport;
import dev.openaibeam.cost.Usd;
import dev.openaibeam.metrics.MetricCounters;
import java.util.Locale;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;

/** The end-of-run summary, read from the pipeline's committed (else attempted) metrics. */
public final class RunSummary {
  public final long results;
  public final long resumed;
  public final long failures;
  public final long requests;
  public final long attempts;
  public final long retried;
  /** Rows a restarted calling subtask answered from the journal (not paid again). */
  public final long replayed;
  public final long rateLimitedRequests;
  public final long rateLimitedTokens;
  public final long rateLimitedOther;
  public final long tokensEstimated;
  public final long tokensActual;
  public final long promptTokensEstimated;
  public final long promptTokensActual;
  public final long budgetWaitMs;
  public final long inFlightWaitMs;
  public final Map<String, Long> limits;
  private final Map<String, Long> callCounters;
  public final double wallSeconds;
  public final long batchesCreated;
  public final long batchesReattached;
  public final long batchFilesUploaded;
  public final long batchHttpCalls;
  public final long batchLinesResubmitted;
  public final SpendReport spend;

  private RunSummary(PipelineResult result, double wallSeconds) {
    // One query per namespace (each query scans every metric of the job).
    Map<String, Long> job = MetricCounters.inNamespace(result, OpenAiBeamPipeline.NAMESPACE);
    Map<String, Long> call = MetricCounters.inNamespace(result, CallMetrics.NAMESPACE);
    Map<String, Long> batch = MetricCounters.inNamespace(result, BatchMetrics.NAMESPACE);
    this.results = count(job, OpenAiBeamPipeline.RESULTS_WRITTEN);
    this.resumed = count(job, Resume.SKIPPED);
    this.failures = count(job, OpenAiBeamPipeline.FAILURES_WRITTEN);
    this.requests = count(call, CallMetrics.REQUESTS);
    this.attempts = count(call, CallMetrics.ATTEMPTS);
    this.retried = count(call, CallMetrics.RETRIED);
    this.replayed = count(call, CallMetrics.JOURNAL_REPLAYED);
    this.rateLimitedRequests = count(call, CallMetrics.RATE_LIMITED_REQUESTS);
    this.rateLimitedTokens = count(call, CallMetrics.RATE_LIMITED_TOKENS);
    this.rateLimitedOther = count(call, CallMetrics.RATE_LIMITED_OTHER);
    this.tokensEstimated = count(call, CallMetrics.TOKENS_ESTIMATED);
    this.tokensActual = count(call, CallMetrics.TOKENS_ACTUAL);
    this.promptTokensEstimated = count(call, CallMetrics.PROMPT_TOKENS_ESTIMATED);
    this.promptTokensActual = count(call, CallMetrics.PROMPT_TOKENS_ACTUAL);
    this.budgetWaitMs = count(call, CallMetrics.BUDGET_WAIT_MS);
    this.inFlightWaitMs = count(call, CallMetrics.IN_FLIGHT_WAIT_MS);
    this.limits = MetricCounters.gauges(result, CallMetrics.NAMESPACE);
    this.callCounters = call;
    this.wallSeconds = wallSeconds;
    this.batchesCreated = count(batch, BatchMetrics.BATCHES_CREATED);
    this.batchesReattached = count(batch, BatchMetrics.BATCHES_REATTACHED);
    this.batchFilesUploaded = count(batch, BatchMetrics.FILES_UPLOADED);
    this.batchHttpCalls = count(batch, BatchMetrics.HTTP_CALLS);
    this.batchLinesResubmitted = count(batch, BatchMetrics.LINES_RESUBMITTED);
    this.spend = SpendReport.of(result);
  }

  public static RunSummary of(PipelineResult result, double wallSeconds) {
    return new RunSummary(result, wallSeconds);
  }

  public long rows() {
    return results + resumed + failures;
  }

  public long rateLimited() {
    return rateLimitedRequests + rateLimitedTokens + rateLimitedOther;
  }

  /**
   * The lines about the API calls, as {@link #format()} prints them: api requests, 429s, tokens,
   * prompt tokens (when estimated), spend and budget wait.
   */
  public String formatCalls() {
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "api requests   %d (attempts %d, retries %d)%n", requests, attempts, retried));
    if (replayed > 0) {
      s.append(String.format(Locale.ROOT, "replayed       %d rows answered from the journal after a"
          + " restart (not paid again)%n", replayed));
    }
    s.append(String.format(Locale.ROOT, "429s           %d (requests %d, tokens %d, other %d)%n",
        rateLimited(), rateLimitedRequests, rateLimitedTokens, rateLimitedOther));
    if (tokensEstimated > 0) {
      s.append(String.format(Locale.ROOT, "tokens         %d used (usage), %d reserved by estimate%n",
          tokensActual, tokensEstimated));
    } else {
      s.append(String.format(Locale.ROOT, "tokens         %d used (usage; not estimated: no --tpm or --maxCostUsd)%n",
          tokensActual));
    }
    if (promptTokensActual > 0 && promptTokensEstimated > 0) {
      s.append(String.format(Locale.ROOT, "prompt tokens  %d estimated vs %d actual (%+.2f%%)%n",
          promptTokensEstimated, promptTokensActual,
          100.0 * (promptTokensEstimated - promptTokensActual) / promptTokensActual));
    }
    s.append(spend.format());
    s.append(formatLimits());
    s.append(formatMembers());
    s.append(String.format(Locale.ROOT, "budget wait    %.1f s%n", budgetWaitMs / 1000.0));
    if (inFlightWaitMs >= 1000) {
      s.append(String.format(Locale.ROOT,
          "in flight      the in-flight limit, not the budget, held calls back %.1f s"
              + " (leave --maxInFlight at 0 to size it from the rate and latency)%n",
          inFlightWaitMs / 1000.0));
    }
    return s.toString();
  }

  /** A line per pool member (none for a single key): calls, tokens, 429s and spend. */
  String formatMembers() {
    Map<String, Long> calls = MetricCounters.withPrefix(callCounters, CallMetrics.MEMBER_CALLS);
    if (calls.size() <= 1 && (calls.isEmpty() || calls.containsKey("default"))) {
      return "";
    }
    Map<String, Long> tokens = MetricCounters.withPrefix(callCounters, CallMetrics.MEMBER_TOKENS);
    Map<String, Long> rateLimited = MetricCounters.withPrefix(callCounters, CallMetrics.MEMBER_429S);
    Map<String, Long> cost = MetricCounters.withPrefix(callCounters, CallMetrics.MEMBER_COST);
    long all = calls.values().stream().mapToLong(Long::longValue).sum();
    StringBuilder s = new StringBuilder();
    calls.forEach((m, n) -> s.append(String.format(Locale.ROOT,
        "member         %s: %d calls (%.1f%%), %d tokens, %d 429s, $%s%n", m, n,
        100.0 * n / Math.max(1, all), count(tokens, m), count(rateLimited, m),
        Usd.format(count(cost, m)))));
    return s.toString();
  }

  /** Which limits paced the run, and where they came from: given, the headers, or 429s. */
  String formatLimits() {
    return String.format(Locale.ROOT, "limits         requests %s; tokens %s%n",
        limit(CallMetrics.LIMIT_REQUESTS, CallMetrics.LIMIT_REQUESTS_SOURCE, "RPM"),
        limit(CallMetrics.LIMIT_TOKENS, CallMetrics.LIMIT_TOKENS_SOURCE, "TPM"));
  }

  private String limit(String value, String source, String unit) {
    LimitSource from = LimitSource.ofCode(count(limits, source));
    long perMinute = count(limits, value);
    if (from == LimitSource.NONE || perMinute <= 0) {
      return "none";
    }
    return String.format(Locale.ROOT, "%s%d %s (%s)",
        from == LimitSource.ADAPTIVE ? "about " : "", perMinute, unit, from.description());
  }

  public String format() {
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "rows           %d%n", rows()));
    s.append(String.format(Locale.ROOT, "succeeded      %d%n", results + resumed));
    if (resumed > 0) {
      s.append(String.format(Locale.ROOT, "  resumed      %d (answered by an earlier run, not sent again)%n", resumed));
    }
    s.append(String.format(Locale.ROOT, "failed         %d%n", failures));
    s.append(formatCalls());
    if (batchesCreated + batchesReattached > 0) {
      s.append(String.format(Locale.ROOT,
          "batch api      %d batches created, %d chunks re-attached, %d files uploaded, %d lines resubmitted, %d HTTP calls%n",
          batchesCreated, batchesReattached, batchFilesUploaded, batchLinesResubmitted, batchHttpCalls));
    }
    s.append(String.format(Locale.ROOT, "wall time      %.1f s (start-up included)%n", wallSeconds));
    return s.toString();
  }

  private static long count(Map<String, Long> counters, String name) {
    return counters.getOrDefault(name, 0L);
  }
}
