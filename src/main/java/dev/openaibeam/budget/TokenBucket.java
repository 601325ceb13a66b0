package dev.openaibeam.budget;

/**
 * A token bucket on a nanosecond clock: capacity {@code capacity}, refilled continuously at {@code
 * ratePerSecond}. Not thread-safe: each bucket belongs to one calling thread (see {@link
 * ShardPacer}).
 *
 * <p>A cost larger than the capacity is admitted when the bucket is full and drives the level
 * negative, which is how the service treats a request bigger than one window's share.
 */
public final class TokenBucket {
  private double capacity;
  private double ratePerNano;
  private double level;
  private long lastNanos;

  public TokenBucket(double capacity, double ratePerSecond, long nowNanos) {
    this.capacity = capacity;
    this.ratePerNano = ratePerSecond / 1e9;
    this.level = capacity;
    this.lastNanos = nowNanos;
  }

  double capacity() {
    return capacity;
  }

  double ratePerSecond() {
    return ratePerNano * 1e9;
  }

  double level(long nowNanos) {
    refill(nowNanos);
    return level;
  }

  /** Nanoseconds until {@code cost} can be taken; 0 when it can be taken now. */
  public long nanosUntil(double cost, long nowNanos) {
    refill(nowNanos);
    double needed = Math.min(cost, capacity) - level;
    if (needed <= 0) {
      return 0;
    }
    return (long) Math.ceil(needed / ratePerNano);
  }

  public void take(double cost, long nowNanos) {
    refill(nowNanos);
    level -= cost;
  }

  /** Gives back (or, when negative, takes) tokens after the real charge is known. */
  public void adjust(double delta, long nowNanos) {
    refill(nowNanos);
    level = Math.min(capacity, level + delta);
  }

  /** The service says less is left than we think (another client, or a stricter window). */
  public void capLevel(double atMost, long nowNanos) {
    refill(nowNanos);
    level = Math.min(level, atMost);
  }

  /** Changes the limits, keeping the level within the new capacity. */
  void reconfigure(double newCapacity, double newRatePerSecond, long nowNanos) {
    refill(nowNanos);
    capacity = newCapacity;
    ratePerNano = newRatePerSecond / 1e9;
    level = Math.min(level, capacity);
  }

  void restore(double savedLevel, long savedAtNanos, long nowNanos) {
    level = Math.min(capacity, savedLevel);
    lastNanos = Math.min(savedAtNanos, nowNanos);
    refill(nowNanos);
  }

  private void refill(long nowNanos) {
    long elapsed = nowNanos - lastNanos;
    if (elapsed > 0) {
      level = Math.min(capacity, level + elapsed * ratePerNano);
      lastNanos = nowNanos;
    }
  }
}
