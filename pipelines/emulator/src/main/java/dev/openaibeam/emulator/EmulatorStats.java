package dev.openaibeam.emulator;

import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A snapshot of what the emulator saw. {@code repeatedAfterSuccess} counts calls whose exact body
 * (with the same key) had already been answered 200: a client that pays twice for a row shows
 * here. Nanosecond instants are {@code System.nanoTime()} of this JVM (0 when nothing accepted).
 * {@code acceptedPerSecond} holds the calls accepted in each whole second since the first accepted
 * call (entry 0 holds that call), up to a day; they add up to {@code accepted}. {@code perKey}
 * holds each API key's counters by the key itself (the empty string for calls without one), in
 * memory only: {@link #toJson()} and {@link #toString()} name a key only by its {@link
 * KeyStats#label}, never whole.
 */
public record EmulatorStats(
    long received,
    long accepted,
    long rateLimitedRequests,
    long rateLimitedTokens,
    long tooLarge,
    long quotaErrors,
    long authErrors,
    long badRequests,
    long faults500,
    long faults503,
    long resets,
    long hangs,
    long truncated,
    long repeatedAfterSuccess,
    long firstAcceptedNanos,
    long lastAcceptedNanos,
    long maxAcceptedInAnyWindow,
    long acceptedTokens,
    List<Integer> acceptedPerSecond,
    Map<String, KeyStats> perKey) {

  public EmulatorStats {
    perKey = Collections.unmodifiableMap(new TreeMap<>(perKey));
  }

  public long rateLimited() {
    return rateLimitedRequests + rateLimitedTokens;
  }

  /**
   * Wall-clock time of a nanosecond instant of this JVM (0 stays 0), so scripts can line the
   * emulator's calls up with another process's start.
   */
  static long epochMillis(long nanos) {
    if (nanos == 0) {
      return 0;
    }
    return System.currentTimeMillis() - (System.nanoTime() - nanos) / 1_000_000;
  }

  /** Calls accepted in seconds [from, to) after the first accepted call (clipped to the run). */
  public long acceptedInSeconds(int from, int to) {
    long n = 0;
    for (int i = Math.max(0, from); i < Math.min(to, acceptedPerSecond.size()); i++) {
      n += acceptedPerSecond.get(i);
    }
    return n;
  }

  /** The counters of one key (all zero for a key never seen). */
  public KeyStats key(String key) {
    return perKey.getOrDefault(key, new KeyStats(0, 0, 0, 0));
  }

  /** {@link #toJson()}: the generated form would print whole keys. */
  @Override
  public String toString() {
    return toJson();
  }

  public String toJson() {
    return "{\"received\":" + received + ",\"accepted\":" + accepted
        + ",\"rate_limited_requests\":" + rateLimitedRequests
        + ",\"rate_limited_tokens\":" + rateLimitedTokens + ",\"too_large\":" + tooLarge
        + ",\"quota_errors\":" + quotaErrors + ",\"auth_errors\":" + authErrors
        + ",\"bad_requests\":" + badRequests + ",\"faults_500\":" + faults500
        + ",\"faults_503\":" + faults503 + ",\"resets\":" + resets + ",\"hangs\":" + hangs
        + ",\"truncated\":" + truncated + ",\"repeated_after_success\":" + repeatedAfterSuccess
        + ",\"accepted_span_ms\":" + (lastAcceptedNanos - firstAcceptedNanos) / 1_000_000
        + ",\"first_accepted_epoch_ms\":" + epochMillis(firstAcceptedNanos)
        + ",\"last_accepted_epoch_ms\":" + epochMillis(lastAcceptedNanos)
        + ",\"max_accepted_in_any_window\":" + maxAcceptedInAnyWindow
        + ",\"per_key\":" + perKey.entrySet().stream() // by label: the keys' order tells nothing
            .sorted(Comparator.comparing(e -> KeyStats.label(e.getKey())))
            .map(e -> e.getValue().toJson(e.getKey())).collect(Collectors.joining(",", "[", "]"))
        + ",\"accepted_tokens\":" + acceptedTokens
        + ",\"accepted_per_second\":" + acceptedPerSecond.toString().replace(" ", "") + "}";
  }
}
