package dev.openaibeam.call;

import dev.openaibeam.budget.CircuitBreaker;
import dev.openaibeam.budget.PacerSnapshot;
import dev.openaibeam.budget.ShardPacer;
import dev.openaibeam.budget.WorkerThrottle;
import dev.openaibeam.cost.SpendTracker;
import dev.openaibeam.cost.TokenUsage;
import dev.openaibeam.http.CallOutcome;
import dev.openaibeam.http.OpenAiHttpClient;
import dev.openaibeam.http.RateLimitHeaders;
import dev.openaibeam.http.RateLimitKind;
import dev.openaibeam.http.Verdict;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.TupleTag;
import org.joda.time.Instant;

/**
 * The calling loop of one {@link OpenAiCallFn} instance. Everything but the HTTP I/O happens on
 * the DoFn's thread: budget checks, sends, retries, and turning answers into outputs, so Beam's
 * metrics and outputs stay on the thread that owns them. The HTTP client completes futures on its
 * own threads; they only enqueue.
 *
 * <p>A call is sent when three things allow: a free in-flight slot, the worker not paused for this
 * budget by a 429, and the shard's pacer. Retries go first, at their backoff time.
 */
final class CallScheduler {
  /** An answer ready to be emitted, with the window and timestamp of its input. */
  static final class Output {
    final TupleTag<?> tag;
    final Object value;
    final Instant timestamp;
    final BoundedWindow window;

    Output(TupleTag<?> tag, Object value, Instant timestamp, BoundedWindow window) {
      this.tag = tag;
      this.value = value;
      this.timestamp = timestamp;
      this.window = window;
    }
  }

  private static final class Completion {
    final PendingCall call;
    final CallOutcome outcome;

    Completion(PendingCall call, CallOutcome outcome) {
      this.call = call;
      this.outcome = outcome;
    }
  }

  private static final long MAX_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
  // Never wait less than this when something must wait: no busy loop.
  private static final long MIN_WAIT_NANOS = TimeUnit.MICROSECONDS.toNanos(100);

  private final CallSettings settings;
  private final String budgetId;
  private final OpenAiHttpClient client;
  private final CallMetrics metrics;
  private final TupleTag<ApiResponse> responsesTag;
  private final TupleTag<ApiFailure> failuresTag;
  private final Random random = new Random();

  private final Map<String, ShardPacer> pacers = new HashMap<>();
  private final LinkedBlockingQueue<Completion> completions = new LinkedBlockingQueue<>();
  private final PriorityQueue<PendingCall> retries =
      new PriorityQueue<>((a, b) -> Long.compare(a.readyAtNanos, b.readyAtNanos));
  private final List<Output> outputs = new ArrayList<>();
  private final JournalWriter journal;
  private final SpendTracker spend;
  private final CircuitBreaker breaker;
  private long breakerGeneration;
  private int inFlight;
  private boolean probed;
  private boolean probing;
  private ApiError hopeless;

  CallScheduler(
      CallSettings settings,
      OpenAiHttpClient client,
      CallMetrics metrics,
      TupleTag<ApiResponse> responsesTag,
      TupleTag<ApiFailure> failuresTag,
      JournalWriter journal,
      SpendTracker spend) {
    this.settings = settings;
    this.spend = spend;
    this.journal = journal;
    this.budgetId = settings.budgetId();
    this.breaker = CircuitBreaker.forBudget(budgetId);
    this.breakerGeneration = breaker.generation();
    this.client = client;
    this.metrics = metrics;
    this.responsesTag = responsesTag;
    this.failuresTag = failuresTag;
  }

  /** The pacer of a shard, continued from Beam state when this instance has none yet. */
  ShardPacer pacer(String shardKey, Supplier<PacerSnapshot> stored) {
    return pacers.computeIfAbsent(
        shardKey,
        k -> {
          ShardPacer p = new ShardPacer(settings.budget(), settings.budgetShards(), System.nanoTime());
          PacerSnapshot s = stored.get();
          if (s != null) {
            p.restore(s, System.nanoTime(), System.currentTimeMillis());
          }
          return p;
        });
  }

  /** Forgets in-memory pacers so the next bundle continues from Beam state. */
  void startBundle() {
    pacers.clear();
  }

  /** Blocks until {@code call} is sent, sending due retries and handling answers meanwhile. */
  void submit(PendingCall call) {
    while (true) {
      pump();
      PendingCall due = dueRetry();
      if (inFlight >= slots()) {
        awaitCompletion(due != null ? MAX_POLL_NANOS : nanosToNextRetry());
      } else if (due != null) {
        // A retry goes first; pump() could not send it, so its budget is not there yet.
        waitForBudget(Math.max(budgetWait(due), MIN_WAIT_NANOS));
      } else {
        long wait = budgetWait(call);
        if (wait == 0) {
          send(call);
          return;
        }
        waitForBudget(Math.min(wait, Math.max(nanosToNextRetry(), MIN_WAIT_NANOS)));
      }
    }
  }

  /**
   * Reserves {@code nanoUsd} for {@code call} on its shard's cost account, waiting for the shard's
   * calls in flight to settle (their real cost is usually below their reservation) while it does
   * not fit. False when it does not fit even with nothing of the shard in flight: the cap is
   * reached.
   */
  boolean reserveCost(PendingCall call, long nanoUsd) {
    while (true) {
      pump();
      if (spend.tryReserve(call.shardKey, nanoUsd)) {
        call.reservedNanoUsd = nanoUsd;
        return true;
      }
      if (spend.capped(call.shardKey) || spend.reservedNanos(call.shardKey) == 0) {
        return false;
      }
      PendingCall due = dueRetry();
      awaitCompletion(
          due != null ? Math.max(budgetWait(due), MIN_WAIT_NANOS) : nanosToNextRetry());
    }
  }

  /** Blocks until every call of this instance has its final answer. */
  void drain() {
    while (inFlight > 0 || !retries.isEmpty()) {
      pump();
      PendingCall next = retries.peek();
      if (next == null) {
        awaitCompletion(MAX_POLL_NANOS);
        continue;
      }
      long untilReady = next.readyAtNanos - System.nanoTime();
      if (untilReady > 0) {
        awaitCompletion(Math.min(untilReady, MAX_POLL_NANOS));
      } else if (inFlight >= slots()) {
        awaitCompletion(MAX_POLL_NANOS);
      } else {
        waitForBudget(Math.max(budgetWait(next), MIN_WAIT_NANOS));
      }
    }
    pump();
  }

  /** Answers ready for output; the caller emits those it can and keeps the rest. */
  List<Output> outputs() {
    return outputs;
  }

  private void pump() {
    Completion c;
    while ((c = completions.poll()) != null) {
      handle(c.call, c.outcome);
    }
    throwIfHopeless();
    long now = System.nanoTime();
    while (!retries.isEmpty() && inFlight < slots()) {
      PendingCall r = retries.peek();
      if (r.readyAtNanos > now || budgetWait(r) > 0) {
        break;
      }
      retries.poll();
      send(r);
    }
  }

  /**
   * Calls allowed in flight. One until the service has answered once: a bad key or an unreachable
   * service then costs one call, not a burst, and a cold service cannot queue a whole burst that
   * would then reach its rate limiter all at once.
   */
  private int slots() {
    long g = breaker.generation();
    if (g != breakerGeneration) {
      breakerGeneration = g; // the breaker tripped: probe again before opening up
      probed = false;
    }
    return probed ? settings.maxInFlight() : 1;
  }

  private PendingCall dueRetry() {
    PendingCall r = retries.peek();
    return r != null && r.readyAtNanos <= System.nanoTime() ? r : null;
  }

  private long nanosToNextRetry() {
    PendingCall r = retries.peek();
    if (r == null) {
      return MAX_POLL_NANOS;
    }
    return Math.max(0, Math.min(MAX_POLL_NANOS, r.readyAtNanos - System.nanoTime()));
  }

  private long budgetWait(PendingCall call) {
    long now = System.nanoTime();
    long paused = Math.max(WorkerThrottle.nanosPaused(budgetId, now), breaker.nanosOpen(now));
    ShardPacer p = pacers.get(call.shardKey);
    return Math.max(paused, p == null ? 0 : p.nanosUntil(call.cost, now));
  }

  private void waitForBudget(long nanos) {
    long start = System.nanoTime();
    awaitCompletion(nanos);
    metrics.waitedForBudget(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
  }

  private void awaitCompletion(long nanos) {
    if (nanos <= 0) {
      return;
    }
    try {
      Completion c = completions.poll(Math.min(nanos, MAX_POLL_NANOS), TimeUnit.NANOSECONDS);
      if (c != null) {
        handle(c.call, c.outcome);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for API calls", e);
    }
  }

  private void send(PendingCall call) {
    long now = System.nanoTime();
    ShardPacer p = pacers.get(call.shardKey);
    if (p != null) {
      p.take(call.cost, now);
    }
    if (call.attempts == 0) {
      metrics.requests.inc();
      metrics.tokensEstimated.inc(call.cost);
      metrics.promptTokensEstimated.inc(call.promptEstimate);
    }
    call.attempts++;
    call.sentAtNanos = now;
    inFlight++;
    LocalProgress.sent();
    metrics.attempts.inc();
    client
        .send(call.request.getEndpoint(), call.model, call.request.getBody())
        .whenComplete(
            (outcome, err) ->
                completions.add(
                    new Completion(
                        call,
                        outcome != null
                            ? outcome
                            : CallOutcome.transportFailure(err, System.nanoTime() - now))));
  }

  private void handle(PendingCall call, CallOutcome outcome) {
    long now = System.nanoTime();
    inFlight--;
    boolean transientFailure = outcome.status() == 0 || outcome.status() >= 500;
    if (!probed && transientFailure && inFlight == 0 && breaker.trips() > 0) {
      breaker.probeFailed(now); // the probe after a trip failed too: stay shut, longer
    } else {
      breaker.record(transientFailure, now);
    }
    probed |= !transientFailure;
    LocalProgress.IN_FLIGHT.decrementAndGet();
    ShardPacer pacer = pacers.get(call.shardKey);
    RateLimitHeaders h = outcome.rateLimits();
    if (pacer != null && h != null) {
      pacer.observe(
          h.limitRequests().orElse(-1),
          h.remainingRequests().orElse(-1),
          h.limitTokens().orElse(-1),
          h.remainingTokens().orElse(-1),
          now);
    }
    Verdict verdict = outcome.verdict();
    if (verdict == Verdict.SUCCESS) {
      succeed(call, outcome, pacer, now);
      return;
    }
    ApiError error = outcome.error();
    call.errors.add(error);
    if (verdict == Verdict.FAIL_RUN && settings.stopOnHopelessErrors()) {
      hopeless = error;
      fail(call, error);
      return;
    }
    if (verdict == Verdict.RETRY) {
      OptionalLong retryAfter = outcome.retryAfterMillis();
      if (outcome.status() == 429) {
        onRateLimited(call, outcome.rateLimitKind(), retryAfter, pacer, now);
      }
      if (call.attempts < settings.retryPolicy().getMaxAttempts()) {
        metrics.retried.inc();
        long delayMs = settings.retryPolicy().delayMillis(call.attempts, retryAfter, random);
        call.readyAtNanos = now + TimeUnit.MILLISECONDS.toNanos(delayMs);
        retries.add(call);
        return;
      }
    }
    fail(call, error);
  }

  private void onRateLimited(
      PendingCall call, RateLimitKind kind, OptionalLong retryAfter, ShardPacer pacer, long now) {
    LocalProgress.RATE_LIMITED.incrementAndGet();
    switch (kind) {
      case REQUESTS:
        metrics.rateLimitedRequests.inc();
        break;
      case TOKENS:
        metrics.rateLimitedTokens.inc();
        break;
      default:
        metrics.rateLimitedOther.inc();
    }
    if (pacer != null) {
      // A rejected call was not charged by the service; the bucket it hit is empty there.
      pacer.refund(call.cost, now);
      pacer.onRateLimited(
          kind != RateLimitKind.TOKENS, kind == RateLimitKind.TOKENS || kind == RateLimitKind.UNKNOWN, now);
    }
    long pauseMs = retryAfter.isPresent() ? retryAfter.getAsLong() : 1000;
    WorkerThrottle.pauseUntil(budgetId, now + TimeUnit.MILLISECONDS.toNanos(pauseMs));
  }

  private void succeed(PendingCall call, CallOutcome outcome, ShardPacer pacer, long now) {
    Optional<TokenUsage> usage = TokenUsage.fromResponse(outcome.json());
    if (usage.isPresent()) {
      long prompt = usage.get().inputTokens();
      long completion = usage.get().outputTokens();
      metrics.promptTokensActual.inc(prompt);
      metrics.completionTokens.inc(completion);
      metrics.tokensActual.inc(prompt + completion);
      boolean estimated = call.cost > 0; // not estimated when nothing needs it (see OpenAiCallFn)
      if (prompt > 0 && estimated) {
        metrics.estimateErrorPermille.update((call.promptEstimate - prompt) * 1000 / prompt);
      }
      // The service charges the prompt it counted plus the completion it reserved.
      if (pacer != null && estimated) {
        pacer.adjustTokens(call.promptEstimate - prompt, now);
      }
    }
    long latencyMs = TimeUnit.NANOSECONDS.toMillis(outcome.latencyNanos());
    metrics.latencyMs.update(latencyMs);
    metrics.succeeded.inc();
    LocalProgress.SUCCEEDED.incrementAndGet();
    spend.settle(call.shardKey, call.model, outcome.json(), usage, call.reservedNanoUsd);
    call.reservedNanoUsd = 0;
    String body = outcome.body() == null ? "" : outcome.body();
    ApiResponse response = ApiResponse.of(call.request, body, call.attempts, latencyMs);
    if (journal != null) {
      journal.append(response); // durable before Beam's sinks, which finalize only at the end
    }
    outputs.add(new Output(responsesTag, response, call.timestamp, call.window));
  }

  private void fail(PendingCall call, ApiError error) {
    spend.release(call.shardKey, call.reservedNanoUsd);
    call.reservedNanoUsd = 0;
    metrics.failed.inc();
    LocalProgress.FAILED.incrementAndGet();
    outputs.add(
        new Output(
            failuresTag,
            ApiFailure.of(call.request, error, call.attempts, call.errors),
            call.timestamp,
            call.window));
  }

  /** Fails a request before any attempt (it can never fit the budget, or its body is unusable). */
  void rejectBeforeSending(PendingCall call, ApiError error) {
    metrics.requests.inc();
    fail(call, error);
  }

  private void throwIfHopeless() {
    if (hopeless != null) {
      throw new HopelessApiException(hopeless);
    }
  }
}
