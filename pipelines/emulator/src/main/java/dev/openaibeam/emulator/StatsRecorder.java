package dev.openaibeam.emulator;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The counters behind {@link EmulatorStats}. Each outcome has its own counter; acceptance also
 * keeps the first and last instants and a sliding window of accept times, from which the most
 * calls accepted in any one window is taken (what a rate-limit test checks against the limit).
 */
final class StatsRecorder {
  final AtomicLong received = new AtomicLong();
  final AtomicLong rateLimitedRequests = new AtomicLong();
  final AtomicLong rateLimitedTokens = new AtomicLong();
  final AtomicLong tooLarge = new AtomicLong();
  final AtomicLong quotaErrors = new AtomicLong();
  final AtomicLong authErrors = new AtomicLong();
  final AtomicLong badRequests = new AtomicLong();
  final AtomicLong faults500 = new AtomicLong();
  final AtomicLong faults503 = new AtomicLong();
  final AtomicLong resets = new AtomicLong();
  final AtomicLong hangs = new AtomicLong();
  final AtomicLong truncated = new AtomicLong();
  final AtomicLong repeatedAfterSuccess = new AtomicLong();

  private final long windowNanos;
  // Guarded by this: the accept instants of the last window, oldest first.
  private final ArrayDeque<Long> window = new ArrayDeque<>();
  private long accepted;
  private long acceptedTokens;
  private long firstAccepted;
  private long lastAccepted;
  private long maxInWindow;

  StatsRecorder(double windowSeconds) {
    this.windowNanos = (long) (windowSeconds * 1e9);
  }

  /** One call admitted by the buckets, charged {@code tokens}. */
  synchronized void accepted(long tokens) {
    long now = System.nanoTime();
    accepted++;
    acceptedTokens += tokens;
    if (firstAccepted == 0) {
      firstAccepted = now;
    }
    lastAccepted = now;
    window.addLast(now);
    while (!window.isEmpty() && window.peekFirst() <= now - windowNanos) {
      window.removeFirst();
    }
    maxInWindow = Math.max(maxInWindow, window.size());
  }

  synchronized EmulatorStats snapshot() {
    return new EmulatorStats(
        received.get(), accepted, rateLimitedRequests.get(), rateLimitedTokens.get(),
        tooLarge.get(), quotaErrors.get(), authErrors.get(), badRequests.get(), faults500.get(),
        faults503.get(), resets.get(), hangs.get(), truncated.get(), repeatedAfterSuccess.get(),
        firstAccepted, lastAccepted, maxInWindow, acceptedTokens);
  }

  synchronized void reset() {
    for (AtomicLong c : new AtomicLong[] {received, rateLimitedRequests, rateLimitedTokens,
        tooLarge, quotaErrors, authErrors, badRequests, faults500, faults503, resets, hangs,
        truncated, repeatedAfterSuccess}) {
      c.set(0);
    }
    window.clear();
    accepted = 0;
    acceptedTokens = 0;
    firstAccepted = 0;
    lastAccepted = 0;
    maxInWindow = 0;
  }
}
