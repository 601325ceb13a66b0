package dev.openaibeam.budget;

/**
 * One shard's share of a budget, enforced where the calls are made: a requests bucket and a tokens
 * bucket sized from the share (refill = the limit per second times the headroom; capacity = what
 * that refills in one enforcement window, less the jitter allowance). Owned by the single thread that sends the shard's calls.
 */
public final class ShardPacer {
  private final RateBudget share;
  private final int shards;
  private final TokenBucket requests;
  private final TokenBucket tokens;

  /**
   * @param budget the whole budget
   * @param shards how many keys share it; this pacer holds 1/shards of it
   */
  public ShardPacer(RateBudget budget, int shards, long nowNanos) {
    this.share = budget.share(shards);
    this.shards = shards;
    this.requests = bucket(share.getRequestsPerMinute(), share, nowNanos);
    this.tokens = bucket(share.getTokensPerMinute(), share, nowNanos);
  }

  private static TokenBucket bucket(long perMinute, RateBudget share, long nowNanos) {
    if (perMinute == 0) {
      return null;
    }
    double rate = perMinute / 60.0 * share.getHeadroom();
    double capacity = Math.max(1.0, rate * (share.getWindowSeconds() - share.getJitterSeconds()));
    return new TokenBucket(capacity, rate, nowNanos);
  }

  /** Nanoseconds until a call charged {@code cost} tokens fits this shard's share. */
  public long nanosUntil(long cost, long nowNanos) {
    long wait = 0;
    if (requests != null) {
      wait = requests.nanosUntil(1, nowNanos);
    }
    if (tokens != null) {
      wait = Math.max(wait, tokens.nanosUntil(cost, nowNanos));
    }
    return wait;
  }

  /** Charges a call that is being sent now. */
  public void take(long cost, long nowNanos) {
    if (requests != null) {
      requests.take(1, nowNanos);
    }
    if (tokens != null) {
      tokens.take(cost, nowNanos);
    }
  }

  /** Corrects the token charge once the real one is known (positive gives tokens back). */
  public void adjustTokens(long delta, long nowNanos) {
    if (tokens != null && delta != 0) {
      tokens.adjust(delta, nowNanos);
    }
  }

  /** Gives a call's charge back: the service rejected it without charging (429, fault). */
  public void refund(long cost, long nowNanos) {
    if (requests != null) {
      requests.adjust(1, nowNanos);
    }
    adjustTokens(cost, nowNanos);
  }

  /** A 429 says the bucket of that kind is empty at the service: empty ours too. */
  public void onRateLimited(boolean requestsKind, boolean tokensKind, long nowNanos) {
    if (requestsKind && requests != null) {
      requests.capLevel(0, nowNanos);
    }
    if (tokensKind && tokens != null) {
      tokens.capLevel(0, nowNanos);
    }
  }

  /**
   * Reconciles with {@code x-ratelimit-*} headers (per-minute units; negative = absent). A lower
   * limit than configured shrinks the share; remaining capacity below our level (someone else
   * spends from the same key) lowers our level to our share of what is left.
   */
  public void observe(
      long limitRequests,
      long remainingRequests,
      long limitTokens,
      long remainingTokens,
      long nowNanos) {
    double window = share.getWindowSeconds() / 60.0;
    if (requests != null) {
      reconcile(requests, limitRequests, remainingRequests, window, nowNanos);
    }
    if (tokens != null) {
      reconcile(tokens, limitTokens, remainingTokens, window, nowNanos);
    }
  }

  private void reconcile(
      TokenBucket bucket, long limit, long remaining, double window, long nowNanos) {
    double headroom = share.getHeadroom();
    if (limit > 0) {
      double rate = limit / 60.0 / shards * headroom;
      if (rate < bucket.ratePerSecond() - 1e-9) {
        bucket.reconfigure(
            Math.max(1.0, rate * (share.getWindowSeconds() - share.getJitterSeconds())), rate, nowNanos);
      }
    }
    if (remaining >= 0) {
      bucket.capLevel(remaining * window / shards, nowNanos);
    }
  }

  public RateBudget share() {
    return share;
  }

  public PacerSnapshot snapshot(long nowNanos, long nowEpochMillis) {
    return new PacerSnapshot(
        requests == null ? 0 : requests.level(nowNanos),
        tokens == null ? 0 : tokens.level(nowNanos),
        nowEpochMillis);
  }

  /** Continues from a snapshot taken elsewhere (another worker, an earlier bundle). */
  public void restore(PacerSnapshot s, long nowNanos, long nowEpochMillis) {
    long savedAtNanos = nowNanos - Math.max(0, nowEpochMillis - s.epochMillis) * 1_000_000L;
    if (requests != null) {
      requests.restore(s.requestLevel, savedAtNanos, nowNanos);
    }
    if (tokens != null) {
      tokens.restore(s.tokenLevel, savedAtNanos, nowNanos);
    }
  }

  double requestLevel(long nowNanos) {
    return requests == null ? Double.POSITIVE_INFINITY : requests.level(nowNanos);
  }

  double tokenLevel(long nowNanos) {
    return tokens == null ? Double.POSITIVE_INFINITY : tokens.level(nowNanos);
  }
}
