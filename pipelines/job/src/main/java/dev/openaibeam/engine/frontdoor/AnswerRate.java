package dev.openaibeam.engine.frontdoor;

/**
 * Answers per second over the last {@value #WINDOW_SECONDS} seconds, in one-second slots: the rate
 * the engine has been serving at, for admission when no limit is configured.
 */
final class AnswerRate {
  static final int WINDOW_SECONDS = 10;
  private final long[] counts = new long[WINDOW_SECONDS];
  private final long[] slots = new long[WINDOW_SECONDS];
  private long firstSecond = -1;

  synchronized void record(long nowNanos) {
    long second = nowNanos / 1_000_000_000L;
    if (firstSecond < 0) {
      firstSecond = second;
    }
    int i = (int) (second % WINDOW_SECONDS);
    if (slots[i] != second) {
      slots[i] = second;
      counts[i] = 0;
    }
    counts[i]++;
  }

  synchronized double perSecond(long nowNanos) {
    if (firstSecond < 0) {
      return 0;
    }
    long second = nowNanos / 1_000_000_000L;
    long total = 0;
    for (int i = 0; i < WINDOW_SECONDS; i++) {
      if (second - slots[i] < WINDOW_SECONDS && slots[i] <= second) {
        total += counts[i];
      }
    }
    long span = Math.min(WINDOW_SECONDS, Math.max(1, second - firstSecond + 1));
    return (double) total / span;
  }
}
