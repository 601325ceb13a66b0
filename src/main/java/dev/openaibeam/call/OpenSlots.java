package dev.openaibeam.call;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * The requests of one key and window that a worker's {@link StreamingCallFn} instances took and has not yet
 * emitted an outcome for: each by its slot (its entry in Beam state) with its element's timestamp,
 * the outcomes that are ready, and the earliest timestamp still open (what the timers hold the
 * watermark at).
 */
final class OpenSlots<P> {
  private final Map<String, Instant> timestamps = new HashMap<>();
  private final TreeMap<Instant, Integer> byTimestamp = new TreeMap<>();
  private List<P> ready = new ArrayList<>();

  void open(String slot, Instant timestamp) {
    if (timestamps.put(slot, timestamp) == null) {
      byTimestamp.merge(timestamp, 1, Integer::sum);
    }
  }

  boolean isOpen(String slot) {
    return timestamps.containsKey(slot);
  }

  void ready(P outcome) {
    ready.add(outcome);
  }

  /** The outcomes ready since the last call; the caller emits them and closes their slots. */
  List<P> takeReady() {
    List<P> r = ready;
    ready = new ArrayList<>();
    return r;
  }

  void close(String slot) {
    Instant t = timestamps.remove(slot);
    if (t != null) {
      byTimestamp.computeIfPresent(t, (k, n) -> n == 1 ? null : n - 1);
    }
  }

  boolean isEmpty() {
    return timestamps.isEmpty();
  }

  /** The earliest timestamp of an open slot, or null when none is open. */
  @Nullable Instant earliest() {
    return byTimestamp.isEmpty() ? null : byTimestamp.firstKey();
  }
}
