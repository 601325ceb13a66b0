package dev.openaibeam.budget;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One kind of limit (requests or tokens) as one shard knows it: the limit the user gave (an upper
 * bound), the one the service reports in its headers, or a rate found from its 429s when it
 * reports none, and the shard's bucket for whichever applies. No bucket: no limit known, nothing
 * waits.
 */
final class KindLimit {
  private final long givenPerMinute;
  private final RateBudget shape;
  private final int shards;
  private long reportedPerMinute;
  private double adaptivePerSecond;
  private @Nullable TokenBucket bucket;

  /** @param givenPerMinute the whole budget's limit the user gave; 0 = none */
  KindLimit(long givenPerMinute, RateBudget shape, int shards, long nowNanos) {
    this.givenPerMinute = givenPerMinute;
    this.shape = shape;
    this.shards = shards;
    configure(nowNanos);
  }

  /** The limit in force, per minute, for the whole budget; 0 when none is known. */
  long effectivePerMinute() {
    if (givenPerMinute > 0 && reportedPerMinute > 0) {
      return Math.min(givenPerMinute, reportedPerMinute);
    }
    return Math.max(givenPerMinute, reportedPerMinute);
  }

  LimitSource source() {
    if (givenPerMinute > 0) {
      return reportedPerMinute > 0 && reportedPerMinute < givenPerMinute
          ? LimitSource.GIVEN_LOWERED_BY_SERVICE
          : LimitSource.GIVEN;
    }
    if (reportedPerMinute > 0) {
      return LimitSource.SERVICE;
    }
    return adaptivePerSecond > 0 ? LimitSource.ADAPTIVE : LimitSource.NONE;
  }

  long reportedPerMinute() {
    return reportedPerMinute;
  }

  boolean limited() {
    return bucket != null;
  }

  /** This shard's rate per second; 0 without a limit. */
  double ratePerSecond() {
    return bucket == null ? 0 : bucket.ratePerSecond();
  }

  /** The service reported a per-minute limit: it applies from now on (the given one stays a cap). */
  void learn(long limitPerMinute, long nowNanos) {
    if (limitPerMinute > 0 && limitPerMinute != reportedPerMinute) {
      reportedPerMinute = limitPerMinute;
      configure(nowNanos);
    }
  }

  /** The shard's rate when no limit is known (found from 429s); 0 turns it off. */
  void adapt(double perSecond, long nowNanos) {
    adaptivePerSecond = perSecond;
    configure(nowNanos);
  }

  /** Whether the limit came from neither the user nor the service's headers. */
  boolean unknown() {
    return givenPerMinute == 0 && reportedPerMinute == 0;
  }

  private void configure(long nowNanos) {
    long perMinute = effectivePerMinute();
    double rate = perMinute > 0 ? perMinute / 60.0 / shards * shape.getHeadroom() : adaptivePerSecond;
    if (rate <= 0) {
      bucket = null;
      return;
    }
    double capacity = Math.max(1.0, rate * (shape.getWindowSeconds() - shape.getJitterSeconds()));
    if (bucket == null) {
      bucket = new TokenBucket(capacity, rate, nowNanos);
    } else {
      bucket.reconfigure(capacity, rate, nowNanos);
    }
  }

  long nanosUntil(double cost, long nowNanos) {
    return bucket == null ? 0 : bucket.nanosUntil(cost, nowNanos);
  }

  void take(double cost, long nowNanos) {
    if (bucket != null) {
      bucket.take(cost, nowNanos);
    }
  }

  void adjust(double delta, long nowNanos) {
    if (bucket != null && delta != 0) {
      bucket.adjust(delta, nowNanos);
    }
  }

  void capLevel(double atMost, long nowNanos) {
    if (bucket != null) {
      bucket.capLevel(atMost, nowNanos);
    }
  }

  /** The share of the bucket left, 0 to 1 (1 without a limit). */
  double fractionLeft(long nowNanos) {
    return bucket == null ? 1 : Math.max(0, bucket.level(nowNanos)) / bucket.capacity();
  }

  double level(long nowNanos) {
    return bucket == null ? Double.POSITIVE_INFINITY : bucket.level(nowNanos);
  }

  void restore(double savedLevel, long savedAtNanos, long nowNanos) {
    if (bucket != null) {
      bucket.restore(savedLevel, savedAtNanos, nowNanos);
    }
  }

  /**
   * Reconciles with what the service says is left. Reported per minute (OpenAI), remaining x
   * window / 60 is one window's share of it. Reported per window, remaining is the service's bucket
   * when it counted the answered call, rounded down: since then it has refilled for {@code
   * secondsSince} and taken what this shard sent after that call and it had not counted before it
   * ({@code sentSince}, see {@link ShardPacer#observe}).
   */
  void reconcile(ServiceReport r, double sentSince, double secondsSince, long nowNanos) {
    if (bucket == null || r.remaining() < 0) {
      return;
    }
    if (r.reportsPerMinute(shape.getWindowSeconds())) {
      bucket.capLevel(r.remaining() * shape.getWindowSeconds() / 60.0 / shards, nowNanos);
    } else {
      double refill = r.limit() > 0 ? r.limit() / 60.0 / shards * secondsSince : 0;
      // remaining is a whole number, the level rounded down: the level may be up to 1 more.
      // Capping at the rounded-down value held a bucket just refilling after a burst (the
      // service's own about empty) a fraction of a call low at every answer: measured, 135 calls
      // instead of 173 in the first second at 6,000 RPM.
      bucket.capLevel((r.remaining() + 1.0) / shards + refill - sentSince, nowNanos);
    }
  }
}
