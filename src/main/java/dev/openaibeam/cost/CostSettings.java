package dev.openaibeam.cost;

import java.io.Serializable;
import java.util.Objects;

/**
 * What a calling step needs to price its answers and keep a dollar cap: the price table and the
 * cap (0 = none) for all workers together. Immutable and serializable.
 */
public record CostSettings(PriceTable prices, double maxCostUsd) implements Serializable {
  public CostSettings {
    Objects.requireNonNull(prices, "prices");
    if (!(maxCostUsd >= 0)) {
      throw new IllegalArgumentException("maxCostUsd must be >= 0 (0 = no cap), got " + maxCostUsd);
    }
  }

  /** The bundled prices, no cap. */
  public static CostSettings defaults() {
    return new CostSettings(PriceTable.bundled(), 0);
  }

  public CostSettings withPrices(PriceTable v) {
    return new CostSettings(v, maxCostUsd);
  }

  public CostSettings withMaxCostUsd(double v) {
    return new CostSettings(prices, v);
  }

  public boolean hasCap() {
    return maxCostUsd > 0;
  }

  /** One budget shard's share of the cap, like its share of the RPM/TPM budget. */
  public long shardCapNanos(int shards) {
    return hasCap() ? Usd.toNanos(maxCostUsd) / Math.max(1, shards) : Long.MAX_VALUE;
  }
}
