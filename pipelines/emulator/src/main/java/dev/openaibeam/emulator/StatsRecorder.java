package dev.openaibeam.emulator;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters behind {@link EmulatorStats}. Each outcome has its own counter; acceptance also
 * keeps the first and last instants and a sliding window of accept times, from which the most
 * calls accepted in any one window is taken (what a rate-limit test checks against the limit), and
 * the calls accepted in each whole second since the first (what a benchmark takes a stretch's rate
 * from). Each key also has its own counters ({@link KeyCounters}, made on its first call, kept until
 * a reset): one map look-up and one {@link LongAdder} per call, off the lock.
 */
final class StatsRecorder {
  /** One key's counters behind {@link KeyStats}. */
  static final class KeyCounters {
    final LongAdder accepted = new LongAdder();
    final LongAdder rateLimited = new LongAdder();
    final LongAdder authErrors = new LongAdder();
    final LongAdder quotaErrors = new LongAdder();

    KeyStats snapshot() {
      return new KeyStats(accepted.sum(), rateLimited.sum(), authErrors.sum(), quotaErrors.sum());
    }
  }


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

  /** A day of seconds (340 KB): later accepts are counted in the last second kept. */
  static final int MAX_SECONDS = 86_400;

  private final long windowNanos;
  // Guarded by this: the accept instants of the last window, oldest first.
  private final ArrayDeque<Long> window = new ArrayDeque<>();
  private long accepted;
  private long acceptedTokens;
  private long firstAccepted;
  private long lastAccepted;
  private long maxInWindow;
  private int[] perSecond = new int[64];
  private int secondsSeen;
  private final Map<String, KeyCounters> perKey = new ConcurrentHashMap<>();

  StatsRecorder(double windowSeconds) {
    this.windowNanos = (long) (windowSeconds * 1e9);
  }

  /** The counters of a key ({@code null}: no key, counted under the empty string). */
  KeyCounters key(String key) {
    String k = key == null ? "" : key;
    KeyCounters c = perKey.get(k); // the common case, without computeIfAbsent's locking
    return c != null ? c : perKey.computeIfAbsent(k, x -> new KeyCounters());
  }

  /** One call with {@code key} admitted by the buckets, charged {@code tokens}. */
  void accepted(String key, long tokens) {
    key(key).accepted.increment();
    accepted(tokens);
  }

  /** One call admitted by the buckets, charged {@code tokens}. */
  synchronized void accepted(long tokens) {
    accepted(tokens, System.nanoTime()); // read under the lock: instants never go back
  }

  /** The same at a given instant, which must not go back (a test's own clock). */
  synchronized void accepted(long tokens, long now) {
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
    countInItsSecond(now);
  }

  private void countInItsSecond(long now) {
    int second = (int) Math.max(0, Math.min(MAX_SECONDS - 1, (now - firstAccepted) / 1_000_000_000L));
    if (second >= perSecond.length) {
      int grown = Math.min(MAX_SECONDS, Math.max(second + 1, 2 * perSecond.length));
      perSecond = Arrays.copyOf(perSecond, grown);
    }
    perSecond[second]++;
    secondsSeen = Math.max(secondsSeen, second + 1);
  }

  synchronized EmulatorStats snapshot() {
    return new EmulatorStats(
        received.get(), accepted, rateLimitedRequests.get(), rateLimitedTokens.get(),
        tooLarge.get(), quotaErrors.get(), authErrors.get(), badRequests.get(), faults500.get(),
        faults503.get(), resets.get(), hangs.get(), truncated.get(), repeatedAfterSuccess.get(),
        firstAccepted, lastAccepted, maxInWindow, acceptedTokens,
        Arrays.stream(perSecond, 0, secondsSeen).boxed().toList(), perKeySnapshot());
  }

  private Map<String, KeyStats> perKeySnapshot() {
    Map<String, KeyStats> m = new TreeMap<>();
    perKey.forEach((k, c) -> m.put(k, c.snapshot()));
    return m;
  }

  synchronized void reset() {
    for (AtomicLong c : new AtomicLong[] {received, rateLimitedRequests, rateLimitedTokens,
        tooLarge, quotaErrors, authErrors, badRequests, faults500, faults503, resets, hangs,
        truncated, repeatedAfterSuccess}) {
      c.set(0);
    }
    perKey.clear();
    window.clear();
    accepted = 0;
    acceptedTokens = 0;
    firstAccepted = 0;
    lastAccepted = 0;
    maxInWindow = 0;
    perSecond = new int[64];
    secondsSeen = 0;
  }
}
