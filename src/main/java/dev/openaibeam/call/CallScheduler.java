package dev.openaibeam.call;

import dev.openaibeam.api.ApiError;
import dev.openaibeam.api.ApiFailure;
import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.api.ApiResponse;
import dev.openaibeam.api.HopelessApiException;
import dev.openaibeam.budget.CircuitBreaker;
import dev.openaibeam.budget.PacerSnapshot;
import dev.openaibeam.budget.ServiceReport;
import dev.openaibeam.budget.ShardPacer;
import dev.openaibeam.budget.WorkerThrottle;
import dev.openaibeam.connection.OpenAiClient;
import dev.openaibeam.cost.TokenUsage;
import dev.openaibeam.transport.CallOutcome;
import dev.openaibeam.transport.RateLimitHeaders;
import dev.openaibeam.transport.RateLimitKind;
import dev.openaibeam.transport.Verdict;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The calling loop of one {@link OpenAiCallFn} instance, free of Beam types. Everything but the
 * HTTP I/O happens on the thread that submits: admission, budget checks, sends, retries, and
 * handing each final outcome to the {@link CallSink}, so the caller's outputs and metrics stay on
 * the thread that owns them. The HTTP client completes futures on its own threads; they only
 * enqueue.
 *
 * <p>A call is sent when four things allow: a free in-flight slot, the worker not paused for this
 * budget by a 429 or the circuit breaker, the shard's pacer, and (under a cost cap) a reservation
 * of its worst case. Retries go first, at their backoff time.
 *
 * @param <O> the caller's origin of a request (where its outcome goes), passed through untouched
 */
final class CallScheduler<O> {
  private static final long MAX_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
  // Never wait less than this when something must wait: no busy loop.
  private static final long MIN_WAIT_NANOS = TimeUnit.MICROSECONDS.toNanos(100);

  private record Completion<O>(PendingCall<O> call, CallOutcome outcome) {}

  private final CallConfiguration configuration;
  private final String budgetId;
  private final OpenAiClient client;
  private final CallAdmission admission;
  private final CallListener listener;
  private final CallSink<O> sink;
  private final ProbeGate probe;
  private final InFlightLimit inFlightLimit;
  private final OutstandingCalls<O> outstanding = new OutstandingCalls<>();
  private double averageTokenCharge;
  private final Random random = new Random();
  private final Map<String, ShardPacer> pacers = new HashMap<>();
  private final Set<String> checkedThisBundle = new HashSet<>();
  private final LinkedBlockingQueue<Completion<O>> completions = new LinkedBlockingQueue<>();
  private final PriorityQueue<PendingCall<O>> retries =
      new PriorityQueue<>((a, b) -> Long.compare(a.readyAtNanos, b.readyAtNanos));
  private ApiError hopeless;

  CallScheduler(
      CallConfiguration configuration,
      OpenAiClient client,
      CallAdmission admission,
      CallListener listener,
      CallSink<O> sink) {
    this.configuration = configuration;
    this.budgetId = configuration.budgetId();
    this.client = client;
    this.admission = admission;
    this.listener = listener;
    this.sink = sink;
    this.probe = new ProbeGate(CircuitBreaker.forBudget(budgetId));
    this.inFlightLimit = new InFlightLimit(configuration.maxInFlight());
  }

  /** The most calls this instance will ever have in flight (the HTTP pool's size). */
  static int connectionsFor(CallConfiguration configuration) {
    return new InFlightLimit(configuration.maxInFlight()).cap();
  }

  /**
   * The pacer of a shard: this instance's own while Beam state still holds what it wrote last (it
   * also knows what changed after that, in the last bundle's drain), else continued from the state
   * (the key was elsewhere meanwhile). Checked on a shard's first element of each bundle.
   */
  ShardPacer pacer(String shardKey, Supplier<PacerSnapshot> stored) {
    ShardPacer mine = pacers.get(shardKey);
    if (mine != null && !checkedThisBundle.add(shardKey)) {
      return mine;
    }
    PacerSnapshot s = stored.get();
    if (mine != null && mine.wroteLast(s)) {
      return mine;
    }
    long now = System.nanoTime();
    ShardPacer p = new ShardPacer(configuration.budget(), configuration.budgetShards(), now);
    if (s != null) {
      p.restore(s, now, System.currentTimeMillis());
    }
    pacers.put(shardKey, p);
    checkedThisBundle.add(shardKey);
    return p;
  }

  /** A new bundle: each shard's pacer is checked against Beam state on its first element. */
  void startBundle() {
    checkedThisBundle.clear();
  }

  /**
   * Admits {@code request} and blocks until it is sent (sending due retries and handling answers
   * meanwhile), or until it is known that it will never be: then its outcome is already in the sink.
   */
  void submit(String shardKey, ApiRequest request, O origin) {
    ShardPacer pacer = pacers.get(shardKey);
    CallAdmission.Decision<O> d =
        admission.admit(shardKey, request, origin, pacer != null && pacer.limitsTokens());
    if (d.refusal() != null) {
      listener.rejected();
      listener.failed();
      sink.failed(origin, ApiFailure.notSent(request, d.refusal()));
    } else if (d.isHeldBack()) {
      admission.countHeldBack();
      sink.heldBack(origin, request);
    } else if (d.call().worstCaseNanoUsd > 0 && !reserveCost(d.call())) {
      sink.heldBack(origin, request);
    } else {
      listener.admitted(d.call().tokenCharge, d.call().promptEstimate);
      sendWhenAllowed(d.call());
    }
  }

  private void sendWhenAllowed(PendingCall<O> call) {
    while (true) {
      pump();
      PendingCall<O> due = dueRetry();
      if (outstanding.count() >= slots()) {
        long start = System.nanoTime();
        boolean budgetAllows = due == null && budgetWait(call) == 0;
        awaitCompletion(due != null ? MAX_POLL_NANOS : nanosToNextRetry());
        if (budgetAllows) { // the budget had room: the in-flight limit, not the budget, held it
          listener.waitedForInFlight(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        }
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
   * Reserves the call's worst case, waiting for the shard's calls in flight to settle (their real
   * cost is usually below their reservation) while it does not fit. False when it cannot fit: the
   * cap is reached.
   */
  private boolean reserveCost(PendingCall<O> call) {
    while (true) {
      pump();
      if (admission.tryReserve(call)) {
        return true;
      }
      if (admission.capReached(call)) {
        return false;
      }
      PendingCall<O> due = dueRetry();
      awaitCompletion(due != null ? Math.max(budgetWait(due), MIN_WAIT_NANOS) : nanosToNextRetry());
    }
  }

  /** Blocks until every call of this instance has its final answer. */
  void drain() {
    while (outstanding.count() > 0 || !retries.isEmpty()) {
      pump();
      PendingCall<O> next = retries.peek();
      if (next == null) {
        awaitCompletion(MAX_POLL_NANOS);
        continue;
      }
      long untilReady = next.readyAtNanos - System.nanoTime();
      if (untilReady > 0) {
        awaitCompletion(Math.min(untilReady, MAX_POLL_NANOS));
      } else if (outstanding.count() >= slots()) {
        awaitCompletion(MAX_POLL_NANOS);
      } else {
        waitForBudget(Math.max(budgetWait(next), MIN_WAIT_NANOS));
      }
    }
    pump();
  }

  private void pump() {
    Completion<O> c;
    while ((c = completions.poll()) != null) {
      handle(c.call(), c.outcome());
    }
    if (hopeless != null) {
      throw new HopelessApiException(hopeless);
    }
    long now = System.nanoTime();
    while (!retries.isEmpty() && outstanding.count() < slots()) {
      PendingCall<O> r = retries.peek();
      if (r.readyAtNanos > now || budgetWait(r) > 0) {
        break;
      }
      retries.poll();
      send(r);
    }
  }

  /** Calls allowed in flight: one until the probe is answered, then the in-flight limit. */
  private int slots() {
    if (!probe.open()) {
      return 1;
    }
    long now = System.nanoTime();
    return inFlightLimit.limit(pacers.values(), averageTokenCharge, outstanding.oldestAgeNanos(now), now);
  }

  private PendingCall<O> dueRetry() {
    PendingCall<O> r = retries.peek();
    return r != null && r.readyAtNanos <= System.nanoTime() ? r : null;
  }

  private long nanosToNextRetry() {
    PendingCall<O> r = retries.peek();
    if (r == null) {
      return MAX_POLL_NANOS;
    }
    return Math.max(0, Math.min(MAX_POLL_NANOS, r.readyAtNanos - System.nanoTime()));
  }

  private long budgetWait(PendingCall<O> call) {
    long now = System.nanoTime();
    long paused = Math.max(WorkerThrottle.nanosPaused(budgetId, now), probe.nanosOpen(now));
    ShardPacer p = pacers.get(call.shardKey);
    return Math.max(paused, p == null ? 0 : p.nanosUntil(call.tokenCharge, now));
  }

  private void waitForBudget(long nanos) {
    long start = System.nanoTime();
    awaitCompletion(nanos);
    listener.waitedForBudget(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
  }

  private void awaitCompletion(long nanos) {
    if (nanos <= 0) {
      return;
    }
    try {
      Completion<O> c = completions.poll(Math.min(nanos, MAX_POLL_NANOS), TimeUnit.NANOSECONDS);
      if (c != null) {
        handle(c.call(), c.outcome());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for API calls", e);
    }
  }

  private void send(PendingCall<O> call) {
    long now = System.nanoTime();
    ShardPacer p = pacers.get(call.shardKey);
    if (p != null) {
      p.take(call.tokenCharge, now);
      call.requestsTakenAtSend = p.requestsTaken();
      call.tokensTakenAtSend = p.tokensTaken();
    }
    if (call.attempts == 0) {
      call.firstSentNanos = now;
      averageTokenCharge = averageTokenCharge * 0.99 + call.tokenCharge * 0.01;
    }
    call.attempts++;
    call.sentAtNanos = now;
    outstanding.sent(call, now);
    listener.attemptSent(now);
    client
        .call(call.request.getEndpoint(), call.model, call.request.getBody())
        .whenComplete(
            (outcome, err) ->
                completions.add(
                    new Completion<>(
                        call,
                        outcome != null
                            ? outcome
                            : CallOutcome.transportFailure(err, System.nanoTime() - now))));
  }

  private void handle(PendingCall<O> call, CallOutcome outcome) {
    long now = System.nanoTime();
    outstanding.answered(call);
    listener.attemptReturned(now);
    probe.answered(outcome.status() == 0 || outcome.status() >= 500, outstanding.count(), now);
    ShardPacer pacer = pacers.get(call.shardKey);
    if (pacer != null) {
      RateLimitHeaders h = outcome.rateLimits();
      pacer.observe(
          report(h.limitRequests(), h.remainingRequests(), h.resetRequests()),
          report(h.limitTokens(), h.remainingTokens(), h.resetTokens()),
          pacer.requestsTaken() - call.requestsTakenAtSend,
          pacer.tokensTaken() - call.tokensTakenAtSend,
          call.sentAtNanos,
          now);
    }
    Verdict verdict = outcome.verdict();
    if (verdict == Verdict.SUCCESS) {
      succeed(call, outcome, pacer, now);
      return;
    }
    ApiError error = outcome.error();
    call.errors.add(error);
    if (verdict == Verdict.FAIL_RUN && configuration.stopOnHopelessErrors()) {
      hopeless = error;
      fail(call, error);
      return;
    }
    if (verdict == Verdict.RETRY) {
      OptionalLong retryAfter = outcome.retryAfterMillis();
      boolean rateLimited = outcome.status() == 429;
      if (rateLimited) {
        // The budget's signal, not the row's failure: it uses up none of the row's attempts.
        call.rateLimitedAttempts++;
        onRateLimited(call, outcome.rateLimitKind(), retryAfter, pacer, now);
      }
      boolean attemptsLeft = call.attempts - call.rateLimitedAttempts < configuration.maxAttempts();
      long readyAt =
          now + TimeUnit.MILLISECONDS.toNanos(
              configuration.backoff().delayMillis(call.attempts, retryAfter, random));
      // A retry that could only come after the row's deadline is not waited for.
      boolean beforeDeadline = readyAt - call.firstSentNanos < configuration.rowDeadline().toNanos();
      if ((rateLimited || attemptsLeft) && beforeDeadline) {
        listener.retried();
        call.readyAtNanos = readyAt;
        retries.add(call);
        return;
      }
    }
    fail(call, error);
  }

  private void onRateLimited(
      PendingCall<O> call, RateLimitKind kind, OptionalLong retryAfter, ShardPacer pacer, long now) {
    listener.rateLimited(kind);
    inFlightLimit.rateLimited();
    boolean pause = true;
    if (pacer != null) {
      // A rejected call was not charged by the service; the bucket it hit is empty there.
      pacer.refund(call.tokenCharge, now);
      pause =
          pacer.onRateLimited(
              kind != RateLimitKind.TOKENS,
              kind == RateLimitKind.TOKENS || kind == RateLimitKind.UNKNOWN,
              now);
      listener.limits(pacer, now);
    }
    if (pause) {
      long pauseMs = retryAfter.isPresent() ? retryAfter.getAsLong() : 1000;
      WorkerThrottle.pauseUntil(budgetId, now + TimeUnit.MILLISECONDS.toNanos(pauseMs));
    }
  }

  private void succeed(PendingCall<O> call, CallOutcome outcome, ShardPacer pacer, long now) {
    Optional<TokenUsage> usage = TokenUsage.fromResponse(outcome.json());
    long latencyMs = TimeUnit.NANOSECONDS.toMillis(outcome.latencyNanos());
    inFlightLimit.answered(outcome.latencyNanos());
    if (pacer != null) {
      listener.limits(pacer, now);
    }
    listener.answered(latencyMs, usage, call.promptEstimate, call.estimated());
    // The service charges the prompt it counted plus the completion it reserved.
    if (usage.isPresent() && pacer != null && call.estimated()) {
      pacer.adjustTokens(call.promptEstimate - usage.get().inputTokens(), now);
    }
    admission.settle(call, outcome.json(), usage);
    String body = outcome.body() == null ? "" : outcome.body();
    sink.answered(call.origin, ApiResponse.of(call.request, body, call.attempts, latencyMs));
  }

  private static ServiceReport report(
      OptionalLong limit, OptionalLong remaining, Optional<Duration> reset) {
    return new ServiceReport(
        limit.orElse(-1), remaining.orElse(-1), reset.map(Duration::toNanos).orElse(-1L));
  }

  private void fail(PendingCall<O> call, ApiError error) {
    admission.release(call);
    listener.failed();
    sink.failed(call.origin, ApiFailure.of(call.request, error, call.attempts, call.errors));
  }
}
