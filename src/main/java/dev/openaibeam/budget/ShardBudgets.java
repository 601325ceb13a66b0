package dev.openaibeam.budget;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.MapCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;

/**
 * One shard's budgets: a {@link ShardPacer} per budget group of the key pool (one for a single
 * key). Kept in Beam state whole ({@link Snapshot}), so every member's buckets follow the shard's
 * key to whichever worker holds it, as one key's do.
 */
public final class ShardBudgets {
  private final Map<String, ShardPacer> byGroup = new LinkedHashMap<>();

  /** @param budgets each group's whole budget as given (0 = learn that kind) */
  public ShardBudgets(Map<String, RateBudget> budgets, int shards, long nowNanos) {
    budgets.forEach((group, b) -> byGroup.put(group, new ShardPacer(b, shards, nowNanos)));
  }

  /** Each group's pacer also takes from the budget store's buckets ({@code store}: group to its view). */
  public ShardBudgets sharing(java.util.function.Function<String, SharedBudget> store) {
    byGroup.forEach((group, p) -> p.sharing(store.apply(group)));
    return this;
  }

  public ShardPacer group(String group) {
    ShardPacer p = byGroup.get(group);
    if (p == null) {
      throw new IllegalArgumentException("no budget group " + group);
    }
    return p;
  }

  public Collection<ShardPacer> all() {
    return byGroup.values();
  }

  /** Whether {@code s} is what these budgets wrote last (nobody else wrote the state since). */
  public boolean wroteLast(Snapshot s) {
    if (s == null || s.byGroup.size() != byGroup.size()) {
      return false;
    }
    for (Map.Entry<String, ShardPacer> e : byGroup.entrySet()) {
      if (!e.getValue().wroteLast(s.byGroup.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  public Snapshot snapshot(long nowNanos, long nowEpochMillis) {
    Map<String, PacerSnapshot> m = new LinkedHashMap<>();
    byGroup.forEach((g, p) -> m.put(g, p.snapshot(nowNanos, nowEpochMillis)));
    return new Snapshot(m);
  }

  /** Continues from a snapshot taken elsewhere (another worker, an earlier bundle). */
  public void restore(Snapshot s, long nowNanos, long nowEpochMillis) {
    s.byGroup.forEach((g, ps) -> {
      ShardPacer p = byGroup.get(g);
      if (p != null) {
        p.restore(ps, nowNanos, nowEpochMillis);
      }
    });
  }

  /** The shard's budgets as kept in Beam state. */
  public static final class Snapshot implements Serializable {
    final Map<String, PacerSnapshot> byGroup;

    Snapshot(Map<String, PacerSnapshot> byGroup) {
      this.byGroup = byGroup;
    }

    @Override
    public String toString() {
      return "ShardBudgets.Snapshot" + byGroup;
    }
  }

  /** Coder for the state cell. */
  public static final class Coder extends AtomicCoder<Snapshot> {
    private static final Coder INSTANCE = new Coder();
    private static final MapCoder<String, PacerSnapshot> MAP =
        MapCoder.of(StringUtf8Coder.of(), PacerSnapshot.Coder.of());

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    public void encode(Snapshot v, OutputStream out) throws IOException {
      MAP.encode(v.byGroup, out);
    }

    @Override
    public Snapshot decode(InputStream in) throws IOException {
      return new Snapshot(new LinkedHashMap<>(MAP.decode(in)));
    }
  }
}
