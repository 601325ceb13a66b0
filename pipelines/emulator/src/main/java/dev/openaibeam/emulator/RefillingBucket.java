package dev.openaibeam.emulator;

/**
 * A level that refills continuously at a per-minute rate up to its capacity, starting full. Not
 * thread-safe: {@link KeyBuckets} guards its buckets with its own lock.
 */
final class RefillingBucket {
  final double capacity;
  private final double perSecond;
  private double level;
  private long lastNanos;

  RefillingBucket(double capacity, long perMinute, long startNanos) {
    this.capacity = capacity;
    this.perSecond = perMinute / 60.0;
    this.level = capacity;
    this.lastNanos = startNanos;
  }

  /** Adds what flowed in since the last refill; an instant before it (another thread's) adds nothing. */
  void refill(long nowNanos) {
    long elapsed = nowNanos - lastNanos;
    if (elapsed > 0) {
      level = Math.min(capacity, level + elapsed * perSecond / 1e9);
      lastNanos = nowNanos;
    }
  }

  double level() {
    return level;
  }

  /** May drive the level negative (a big call): it then takes longer to refill. */
  void take(double amount) {
    level -= amount;
  }

  /** What the service reports as remaining: the whole units there, never below 0. */
  long remaining() {
    return (long) Math.floor(Math.max(0, level));
  }

  /** Time until full at the refill rate (0 when full or when nothing refills it). */
  long nanosUntilFull() {
    if (perSecond <= 0) {
      return 0;
    }
    return (long) Math.ceil(Math.max(0, capacity - level) / perSecond * 1e9);
  }
}
