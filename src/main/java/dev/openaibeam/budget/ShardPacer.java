package dev.openaibeam.budget;

import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One shard's share of a budget, enforced where the calls are made: a requests limit and a tokens
 * limit ({@link KindLimit}), each a bucket sized from the share (refill = the limit per second
 * times the headroom; capacity = what that refills in one enforcement window, less the jitter
 * allowance). A limit is the one the user gave, capped by the one the service reports in its
 * headers, which is also adopted when none was given; a service that reports none has its request
 * rate found from its 429s ({@link AdaptiveRate}). Owned by the single thread that sends the
 * shard's calls.
 *
 * <p>With a budget store ({@link SharedBudget}) the whole budget's buckets are also held there,
 * shared by every job on the account: a call is sent only when both this shard's buckets and the
 * store's grant it ({@link #tryTake}); settlements, 429s and reported limits go to the store too.
 */
public final class ShardPacer {
  private static final long ADAPT_EVERY = TimeUnit.MILLISECONDS.toNanos(100);

  private final RateBudget budget;
  private final int shards;
  private final KindLimit requests;
  private final KindLimit tokens;
  private final AdaptiveRate adaptive = new AdaptiveRate();
  private final SendOrder sendOrder = new SendOrder();
  private long requestsTaken;
  private long tokensTaken;
  private long adaptedAtNanos;
  private final String writer = UUID.randomUUID().toString();
  private long sequence;
  private @Nullable SharedBudget shared;

  /**
   * @param budget the whole budget as given (0 = no limit given for that kind)
   * @param shards how many keys share it; this pacer holds 1/shards of it
   */
  public ShardPacer(RateBudget budget, int shards, long nowNanos) {
    this.budget = budget;
    this.shards = shards;
    this.requests = new KindLimit(budget.getRequestsPerMinute(), budget, shards, nowNanos);
    this.tokens = new KindLimit(budget.getTokensPerMinute(), budget, shards, nowNanos);
  }

  /** Also takes from the budget store's buckets of this budget (null: this shard's alone). */
  public ShardPacer sharing(@Nullable SharedBudget store) {
    this.shared = store;
    return this;
  }

  /** Nanoseconds until a call charged {@code cost} tokens fits this shard's share. */
  public long nanosUntil(long cost, long nowNanos) {
    followAdaptiveRate(nowNanos);
    long local = Math.max(requests.nanosUntil(1, nowNanos), tokens.nanosUntil(cost, nowNanos));
    return shared == null ? local : Math.max(local, shared.nanosUntilAsk(nowNanos));
  }

  /**
   * Charges a call about to be sent, when the budget store (if any) grants it too: 0 when taken,
   * else nanoseconds to wait (nothing was charged).
   */
  public long tryTake(long cost, long nowNanos) {
    if (shared != null) {
      long wait = shared.reserve(cost, sharedLimits(), nowNanos);
      requests.learn(shared.reportedRequestsPerMinute(), nowNanos);
      tokens.learn(shared.reportedTokensPerMinute(), nowNanos);
      if (wait > 0) {
        return wait;
      }
    }
    take(cost, nowNanos);
    return 0;
  }

  /** The whole budget's buckets (not this shard's share) as the store keeps them. */
  private SharedBudget.Limits sharedLimits() {
    double burst = budget.getWindowSeconds() - budget.getJitterSeconds();
    double rr = requests.effectivePerMinute() / 60.0 * budget.getHeadroom();
    double tr = tokens.effectivePerMinute() / 60.0 * budget.getHeadroom();
    return new SharedBudget.Limits(rr, Math.max(1, rr * burst), tr, Math.max(1, tr * burst));
  }

  /** A 429 shared through the store: its bucket of that kind empty, everybody paused. */
  public void shareRateLimit(boolean requestsKind, boolean tokensKind, long pauseMillis) {
    if (shared != null) {
      shared.rateLimited(requestsKind, tokensKind, pauseMillis, sharedLimits());
    }
  }

  /** Charges a call that is being sent now. */
  public void take(long cost, long nowNanos) {
    requests.take(1, nowNanos);
    tokens.take(cost, nowNanos);
    requestsTaken++;
    tokensTaken += cost;
    sendOrder.sent(requestsTaken, cost);
    adaptive.sent(nowNanos);
  }

  /** Calls sent so far (for {@link #observe}: what the service had not yet counted). */
  public long requestsTaken() {
    return requestsTaken;
  }

  /** Tokens charged so far. */
  public long tokensTaken() {
    return tokensTaken;
  }

  /** Corrects the token charge once the real one is known (positive gives tokens back). */
  public void adjustTokens(long delta, long nowNanos) {
    tokens.adjust(delta, nowNanos);
    if (shared != null && delta != 0) {
      shared.settle(0, delta);
    }
  }

  /** Gives a call's charge back: the service rejected it without charging (429, fault). */
  public void refund(long cost, long nowNanos) {
    requests.adjust(1, nowNanos);
    tokens.adjust(cost, nowNanos);
    if (shared != null) {
      shared.settle(1, cost);
    }
  }

  /**
   * A 429 says the bucket of that kind is empty at the service: empty ours too. Without a known
   * request limit, it also sets (or cuts) the adaptive request rate. Returns whether the worker
   * should wait the service's retry-after before sending again: always with a known limit; with an
   * adaptive one only when 429s persist (see {@link AdaptiveRate#rateLimited}).
   */
  public boolean onRateLimited(boolean requestsKind, boolean tokensKind, long nowNanos) {
    boolean knownKind = (requestsKind && !requests.unknown()) || (tokensKind && !tokens.unknown());
    if (!knownKind) {
      // Nobody said what the limit is: pace requests from the 429s (a token limit, too, is met
      // by sending fewer requests).
      boolean pause = adaptive.rateLimited(nowNanos);
      requests.adapt(adaptive.current(nowNanos), nowNanos);
      adaptedAtNanos = nowNanos;
      requests.capLevel(0, nowNanos);
      return pause;
    }
    if (requestsKind) {
      requests.capLevel(0, nowNanos);
    }
    if (tokensKind) {
      tokens.capLevel(0, nowNanos);
    }
    return true;
  }

  /**
   * Reconciles with an answer's {@code x-ratelimit-*} headers: a reported limit becomes the limit
   * (capped by the one given, and followed when it changes); what is left caps the bucket levels.
   *
   * <p>Calls sent after the answered one but answered before it were, as a rule, counted by the
   * service before it too: they are not taken off its remaining again ({@link SendOrder}).
   *
   * @param requestsSentSince calls this shard sent after the answered one
   * @param tokensSentSince tokens this shard charged after the answered one
   * @param sentAtNanos when the answered call was sent (about when the service counted it)
   */
  public void observe(
      ServiceReport requestsReport,
      ServiceReport tokensReport,
      long requestsSentSince,
      long tokensSentSince,
      long sentAtNanos,
      long nowNanos) {
    requests.learn(requestsReport.limit(), nowNanos);
    tokens.learn(tokensReport.limit(), nowNanos);
    if (shared != null) {
      shared.reportLimits(Math.max(0, requestsReport.limit()), Math.max(0, tokensReport.limit()));
    }
    long seq = requestsTaken - requestsSentSince;
    long[] answeredAfter = sendOrder.answeredAfter(seq);
    sendOrder.answered(seq);
    requestsSentSince -= answeredAfter[0];
    tokensSentSince -= answeredAfter[1];
    double since = Math.max(0, nowNanos - sentAtNanos) / 1e9;
    requests.reconcile(requestsReport, requestsSentSince, since, nowNanos);
    tokens.reconcile(tokensReport, tokensSentSince, since, nowNanos);
  }

  /** Keeps the request bucket at the adaptive rate as it grows (every 100 ms is plenty). */
  private void followAdaptiveRate(long nowNanos) {
    if (adaptive.engaged() && requests.unknown() && nowNanos - adaptedAtNanos >= ADAPT_EVERY) {
      requests.adapt(adaptive.current(nowNanos), nowNanos);
      adaptedAtNanos = nowNanos;
    }
  }

  /** The smaller share left of the two buckets, 0 to 1: which of several budgets has the most room. */
  public double fractionLeft(long nowNanos) {
    return Math.min(requests.fractionLeft(nowNanos), tokens.fractionLeft(nowNanos));
  }

  /** Whether tokens are limited: then requests need their tokens counted. */
  public boolean limitsTokens() {
    return tokens.limited();
  }

  /** Whether any limit of either kind (given, reported or adaptive) paces this shard. */
  public boolean limited() {
    return requests.limited() || tokens.limited();
  }

  /** This shard's request rate per second; 0 when requests are not limited. */
  public double requestRatePerSecond() {
    return requests.ratePerSecond();
  }

  /** This shard's token rate per second; 0 when tokens are not limited. */
  public double tokenRatePerSecond() {
    return tokens.ratePerSecond();
  }

  /** What calls one window's burst holds (for sizing the calls in flight). */
  public double burstRequests() {
    return requests.ratePerSecond() * budget.getWindowSeconds();
  }

  /** The request limit in force for the whole budget per minute (adaptive: the rate x 60 x shards). */
  public long requestsPerMinute(long nowNanos) {
    long known = requests.effectivePerMinute();
    return known > 0 ? known : Math.round(adaptive.current(nowNanos) * 60 * shards);
  }

  public long tokensPerMinute() {
    return tokens.effectivePerMinute();
  }

  public LimitSource requestsSource() {
    return requests.source();
  }

  public LimitSource tokensSource() {
    return tokens.source();
  }

  public RateBudget budget() {
    return budget;
  }

  /** Whether {@code s} is the last snapshot this pacer took (nobody else wrote the state since). */
  public boolean wroteLast(PacerSnapshot s) {
    return s != null && s.sequence == sequence && s.writer.equals(writer);
  }

  public PacerSnapshot snapshot(long nowNanos, long nowEpochMillis) {
    return new PacerSnapshot(
        requests.limited() ? requests.level(nowNanos) : 0,
        tokens.limited() ? tokens.level(nowNanos) : 0,
        nowEpochMillis,
        requests.reportedPerMinute(),
        tokens.reportedPerMinute(),
        adaptive.current(nowNanos),
        adaptive.ceiling(),
        writer,
        ++sequence);
  }

  /** Continues from a snapshot taken elsewhere (another worker, an earlier bundle). */
  public void restore(PacerSnapshot s, long nowNanos, long nowEpochMillis) {
    long savedAtNanos = nowNanos - Math.max(0, nowEpochMillis - s.epochMillis) * 1_000_000L;
    requests.learn(s.requestsPerMinuteReported, nowNanos);
    tokens.learn(s.tokensPerMinuteReported, nowNanos);
    if (s.adaptiveRequestsPerSecond > 0 && requests.unknown()) {
      adaptive.restore(s.adaptiveRequestsPerSecond, s.adaptiveCeilingPerSecond, nowNanos);
      requests.adapt(s.adaptiveRequestsPerSecond, nowNanos);
    }
    requests.restore(s.requestLevel, savedAtNanos, nowNanos);
    tokens.restore(s.tokenLevel, savedAtNanos, nowNanos);
  }

  double requestLevel(long nowNanos) {
    return requests.level(nowNanos);
  }

  double tokenLevel(long nowNanos) {
    return tokens.level(nowNanos);
  }
}
