package dev.openaibeam.call;

import dev.openaibeam.api.ApiError;
import dev.openaibeam.api.ApiFailure;
import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.api.ApiResponse;
import dev.openaibeam.api.HopelessApiException;
import dev.openaibeam.api.ErrorCode;
import dev.openaibeam.budget.ShardBudgets;
import dev.openaibeam.budget.ShardPacer;
import dev.openaibeam.store.BudgetStore;
import dev.openaibeam.transport.CallOutcome;
import java.util.ArrayList;
import java.util.List;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.PriorityQueue;
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
  private final PoolMembers members;
  private final CallAdmission admission;
  private final CallListener listener;
  private final CallSink<O> sink;
  private final AnswerHandling<O> answers;
  private final InFlightLimit inFlightLimit;
  private final OutstandingCalls<O> outstanding = new OutstandingCalls<>();
  private double averageTokenCharge;
  private final Map<String, ShardBudgets> budgets = new HashMap<>();
  private final Set<String> checkedThisBundle = new HashSet<>();
  private final LinkedBlockingQueue<Completion<O>> completions = new LinkedBlockingQueue<>();
  private final PriorityQueue<PendingCall<O>> retries =
      new PriorityQueue<>((a, b) -> Long.compare(a.readyAtNanos, b.readyAtNanos));
  private ApiError hopeless;
  // How long a cancelled instance still takes the answers of its calls in flight (above the
  // latency of most calls; far below Flink's task cancellation timeout of 180 s).
  private static final long CANCEL_GRACE_NANOS = TimeUnit.SECONDS.toNanos(3);
  private final String runToken;

  CallScheduler(
      CallConfiguration configuration,
      String runToken,
      PoolMembers members,
      CallAdmission admission,
      CallListener listener,
      CallSink<O> sink) {
    this.configuration = configuration;
    this.runToken = runToken;
    this.members = members;
    this.admission = admission;
    this.listener = listener;
    this.sink = sink;
    this.inFlightLimit = new InFlightLimit(configuration.maxInFlight());
    this.answers = new AnswerHandling<>(configuration, members, admission, listener, sink, inFlightLimit);
  }

  /** The most calls this instance will ever have in flight (each member's HTTP pool's size). */
  static int connectionsFor(CallConfiguration configuration) {
    return new InFlightLimit(configuration.maxInFlight()).cap();
  }

  /**
   * A shard's budgets: this instance's own while Beam state still holds what it wrote last (they
   * also know what changed after that, in the last bundle's drain), else continued from the state
   * (the key was elsewhere meanwhile). Checked on a shard's first element of each bundle.
   */
  ShardBudgets budgets(String shardKey, Supplier<ShardBudgets.Snapshot> stored) {
    ShardBudgets mine = budgets.get(shardKey);
    if (mine != null && !checkedThisBundle.add(shardKey)) {
      return mine;
    }
    ShardBudgets.Snapshot s = stored.get();
    if (mine != null && mine.wroteLast(s)) {
      return mine;
    }
    long now = System.nanoTime();
    ShardBudgets b = new ShardBudgets(configuration.groupBudgets(), configuration.budgetShards(), now);
    BudgetStore store = configuration.budgetStore();
    if (store != null) {
      b.sharing(group -> store.open(runToken, configuration.budgetId(), group));
    }
    if (s != null) {
      b.restore(s, now, System.currentTimeMillis());
    }
    budgets.put(shardKey, b);
    checkedThisBundle.add(shardKey);
    return b;
  }

  /** A new bundle: each shard's budgets are checked against Beam state on its first element. */
  void startBundle() {
    checkedThisBundle.clear();
  }

  /**
   * Admits {@code request} and blocks until it is sent (sending due retries and handling answers
   * meanwhile), or until it is known that it will never be: then its outcome is already in the sink.
   */
  void submit(String shardKey, ApiRequest request, O origin) {
    ShardBudgets b = budgets.get(shardKey);
    boolean tokensLimited = b != null && b.all().stream().anyMatch(ShardPacer::limitsTokens);
    CallAdmission.Decision<O> d = admission.admit(shardKey, request, origin, tokensLimited);
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
          long refused = send(call);
          if (refused == 0) {
            return;
          }
          waitForBudget(Math.min(refused, Math.max(nanosToNextRetry(), MIN_WAIT_NANOS)));
          continue;
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

  /** Takes the answers that are in and sends the retries that are due, without waiting. */
  void collect() {
    pump();
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
      if (send(r) > 0) { // the budget store said not yet
        retries.add(r);
        break;
      }
    }
  }

  /**
   * Calls allowed in flight: one per member until some member's probe is answered, then the
   * in-flight limit.
   */
  private int slots() {
    if (!members.anyProbed()) {
      return members.all().size();
    }
    long now = System.nanoTime();
    List<ShardPacer> pacers = new ArrayList<>();
    budgets.values().forEach(b -> pacers.addAll(b.all()));
    return inFlightLimit.limit(pacers, averageTokenCharge, outstanding.oldestAgeNanos(now), now);
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

  /** Until the member best placed to take the call can; 0 when none serves it (send fails it). */
  private long budgetWait(PendingCall<O> call) {
    return route(call, System.nanoTime()).waitNanos();
  }

  private PoolMembers.Route route(PendingCall<O> call, long nowNanos) {
    return members.route(call.model, call.tokenCharge, budgets.get(call.shardKey), nowNanos);
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
      keepAnswersInFlight();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for API calls", e);
    }
  }

  /**
   * The runner cancels this instance (a failover after a lost worker, a cancelled job; seen as an
   * interrupt, or as a teardown with calls still out): the calls
   * in flight are paid whether or not anyone reads their answers, so for a little while their
   * answers are still taken and journaled; a restarted instance then replays them instead of
   * paying again. Interrupts during this are ignored; the caller interrupts again afterwards.
   */
  void keepAnswersInFlight() {
    long deadline = System.nanoTime() + CANCEL_GRACE_NANOS;
    long left;
    while (outstanding.count() > 0 && (left = deadline - System.nanoTime()) > 0) {
      try {
        Completion<O> c = completions.poll(left, TimeUnit.NANOSECONDS);
        if (c != null) {
          handle(c.call(), c.outcome());
        }
      } catch (InterruptedException again) {
        // still cancelling: keep collecting until the grace period ends
      } catch (RuntimeException e) {
        return; // the journal or an output is gone with the task: nothing more to keep
      }
    }
  }

  /**
   * Sends the call to the member best placed for it: 0 when sent (or failed for want of a member),
   * else the nanoseconds the budget store asks to wait (nothing was sent or charged).
   */
  private long send(PendingCall<O> call) {
    long now = System.nanoTime();
    PoolMembers.Route route = route(call, now);
    PoolMembers.Member m = route.member();
    if (m == null) {
      noMember(call, route.tooLargeFor());
      return 0;
    }
    ShardPacer p = budgets.get(call.shardKey).group(m.group);
    long refused = p.tryTake(call.tokenCharge, now);
    if (refused > 0) {
      return refused;
    }
    call.requestsTakenAtSend = p.requestsTaken();
    call.tokensTakenAtSend = p.tokensTaken();
    if (call.attempts == 0) {
      call.firstSentNanos = now;
      averageTokenCharge = averageTokenCharge * 0.99 + call.tokenCharge * 0.01;
    }
    call.attempts++;
    call.sentAtNanos = now;
    call.member = m;
    call.sentAsProbe = m.health.sent();
    m.lastSentNanos = now;
    outstanding.sent(call, now);
    listener.attemptSent(now, m.name());
    m.client
        .call(call.request.getEndpoint(), call.model, call.request.getBody())
        .whenComplete(
            (outcome, err) ->
                completions.add(
                    new Completion<>(
                        call,
                        outcome != null
                            ? outcome
                            : CallOutcome.transportFailure(err, System.nanoTime() - now))));
    return 0;
  }

  /**
   * No member can serve the call's model (all retired for it), or it is larger than the token
   * limit of every member that does ({@code tooLargeFor}, the largest such limit): it fails with why.
   */
  private void noMember(PendingCall<O> call, long tooLargeFor) {
    if (tooLargeFor > 0) {
      answers.fail(call, ApiError.of(ErrorCode.REQUEST_TOO_LARGE, "request needs about "
          + call.tokenCharge + " tokens (prompt " + call.promptEstimate + " + reserved completion "
          + (call.tokenCharge - call.promptEstimate) + "), more than the limit of " + tooLargeFor
          + " tokens per minute the service reports; it can never be sent (a smaller max_tokens"
          + " or --defaultMaxTokens may fit)"));
      return;
    }
    ApiError retired = members.retiredTheLast(call.model);
    if (retired != null && configuration.stopOnHopelessErrors()) {
      // Retired before this instance started (a restarted subtask, a later bundle): the run stops
      // as it did for the instance that saw the answer, instead of failing every row.
      answers.fail(call, retired);
      hopeless = retired;
      return;
    }
    ApiError last = call.errors.isEmpty() ? null : call.errors.get(call.errors.size() - 1);
    answers.fail(call, last != null ? last : ApiError.of(ErrorCode.NO_POOL_MEMBER,
        "no pool member serves model '" + call.model + "' (none lists it, or those that did were"
            + " retired)"));
  }

  private void handle(PendingCall<O> call, CallOutcome outcome) {
    long now = System.nanoTime();
    PoolMembers.Member m = call.member;
    outstanding.answered(call);
    listener.attemptReturned(now);
    boolean wasOpen = m.health.nanosOpen(now) > 0;
    m.health.answered(outcome.status() == 0 || outcome.status() >= 500, call.sentAsProbe, now);
    ShardBudgets b = budgets.get(call.shardKey);
    long open = m.health.nanosOpen(now);
    if (!wasOpen && open > 0 && b != null) {
      // The breaker tripped here: every job on the budget store pauses for its cool-down too.
      b.group(m.group).shareRateLimit(false, false, TimeUnit.NANOSECONDS.toMillis(open));
    }
    AnswerHandling.Next next = answers.handle(call, outcome, b == null ? null : b.group(m.group), now);
    if (next.stopsTheRun() != null) {
      hopeless = next.stopsTheRun();
    } else if (next.retry()) {
      call.readyAtNanos = next.retryAtNanos();
      retries.add(call);
    }
  }
}
