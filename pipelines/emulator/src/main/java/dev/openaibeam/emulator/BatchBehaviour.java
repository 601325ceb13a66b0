package dev.openaibeam.emulator;

import java.util.Locale;

/**
 * How the emulator's Batch API behaves: how long a batch stays in each state, which lines fail,
 * and whether batches expire or are cancelled part way. Immutable; {@link #with} returns a copy
 * with one setting changed (used by the command line and by {@code /emulator/batch?name=value}).
 */
public final class BatchBehaviour {
  final long validatingMillis;
  final long inProgressMillis;
  final long finalizingMillis;
  final double lineFailureRate;
  final long expireAfterLines;
  final long cancelAfterLines;
  final boolean omitUnfinished;
  final long enqueuedTokenLimit;
  final long seed;

  private BatchBehaviour(
      long validatingMillis, long inProgressMillis, long finalizingMillis, double lineFailureRate,
      long expireAfterLines, long cancelAfterLines, boolean omitUnfinished, long enqueuedTokenLimit,
      long seed) {
    this.validatingMillis = validatingMillis;
    this.inProgressMillis = inProgressMillis;
    this.finalizingMillis = finalizingMillis;
    this.lineFailureRate = lineFailureRate;
    this.expireAfterLines = expireAfterLines;
    this.cancelAfterLines = cancelAfterLines;
    this.omitUnfinished = omitUnfinished;
    this.enqueuedTokenLimit = enqueuedTokenLimit;
    this.seed = seed;
  }

  /** 50 ms validating, 200 ms in progress, 50 ms finalizing; no failures, expiry or cancellation. */
  public static BatchBehaviour defaults() {
    return new BatchBehaviour(50, 200, 50, 0.0, -1, -1, false, 0, 1);
  }

  /**
   * One setting by name: {@code validatingMs}, {@code inProgressMs}, {@code finalizingMs},
   * {@code lineFailureRate} (0..1, seeded per custom_id), {@code expireAfterLines} (the batch
   * expires once that many lines are answered; -1 never), {@code cancelAfterLines} (as if the user
   * cancelled it then; -1 never), {@code omitUnfinished} (true: lines a batch never ran appear in
   * neither file instead of as batch_expired / batch_cancelled error lines), {@code tokenLimit}
   * (enqueued-token limit per batch; a larger batch fails validation; 0 none), {@code seed}.
   */
  public BatchBehaviour with(String name, String value) {
    long v = 0;
    double d = 0;
    switch (name) {
      case "lineFailureRate":
        d = Double.parseDouble(value);
        if (d < 0 || d > 1) {
          throw new IllegalArgumentException("lineFailureRate must be in [0, 1]");
        }
        break;
      case "omitUnfinished":
        break;
      default:
        v = Long.parseLong(value);
    }
    switch (name) {
      case "validatingMs":
        return new BatchBehaviour(v, inProgressMillis, finalizingMillis, lineFailureRate,
            expireAfterLines, cancelAfterLines, omitUnfinished, enqueuedTokenLimit, seed);
      case "inProgressMs":
        return new BatchBehaviour(validatingMillis, v, finalizingMillis, lineFailureRate,
            expireAfterLines, cancelAfterLines, omitUnfinished, enqueuedTokenLimit, seed);
      case "finalizingMs":
        return new BatchBehaviour(validatingMillis, inProgressMillis, v, lineFailureRate,
            expireAfterLines, cancelAfterLines, omitUnfinished, enqueuedTokenLimit, seed);
      case "lineFailureRate":
        return new BatchBehaviour(validatingMillis, inProgressMillis, finalizingMillis, d,
            expireAfterLines, cancelAfterLines, omitUnfinished, enqueuedTokenLimit, seed);
      case "expireAfterLines":
        return new BatchBehaviour(validatingMillis, inProgressMillis, finalizingMillis,
            lineFailureRate, v, cancelAfterLines, omitUnfinished, enqueuedTokenLimit, seed);
      case "cancelAfterLines":
        return new BatchBehaviour(validatingMillis, inProgressMillis, finalizingMillis,
            lineFailureRate, expireAfterLines, v, omitUnfinished, enqueuedTokenLimit, seed);
      case "omitUnfinished":
        return new BatchBehaviour(validatingMillis, inProgressMillis, finalizingMillis,
            lineFailureRate, expireAfterLines, cancelAfterLines, Boolean.parseBoolean(value),
            enqueuedTokenLimit, seed);
      case "tokenLimit":
        return new BatchBehaviour(validatingMillis, inProgressMillis, finalizingMillis,
            lineFailureRate, expireAfterLines, cancelAfterLines, omitUnfinished, v, seed);
      case "seed":
        return new BatchBehaviour(validatingMillis, inProgressMillis, finalizingMillis,
            lineFailureRate, expireAfterLines, cancelAfterLines, omitUnfinished, enqueuedTokenLimit, v);
      default:
        throw new IllegalArgumentException("unknown batch setting " + name);
    }
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT,
        "{\"validatingMs\":%d,\"inProgressMs\":%d,\"finalizingMs\":%d,\"lineFailureRate\":%s,"
            + "\"expireAfterLines\":%d,\"cancelAfterLines\":%d,\"omitUnfinished\":%b,"
            + "\"tokenLimit\":%d,\"seed\":%d}",
        validatingMillis, inProgressMillis, finalizingMillis, lineFailureRate, expireAfterLines,
        cancelAfterLines, omitUnfinished, enqueuedTokenLimit, seed);
  }
}
