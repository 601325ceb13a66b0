package dev.openaibeam.cost;

import dev.openaibeam.metrics.MetricCounters;
import java.util.Locale;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;

/**
 * What a run's answers cost, read from the {@link CostMetrics} counters: the total, per price-table
 * model, the answers of unpriced models (unknown cost, never counted as $0) and the rows the cost
 * cap held back.
 */
public final class SpendReport {
  /** Exit code of the JSONL job when the cost cap stopped it (2 is a hopeless API error). */
  public static final int EXIT_COST_CAP = 3;

  private final long totalNanos;
  private final Map<String, Long> nanosByModel;
  private final Map<String, Long> unpricedByModel;
  private final long notSent;
  private final long possiblyBilled;

  private SpendReport(Map<String, Long> counters) {
    this.totalNanos = counters.getOrDefault(CostMetrics.COST_NANO_USD, 0L);
    this.nanosByModel = CostMetrics.perModel(counters, CostMetrics.COST_NANO_USD);
    this.unpricedByModel = CostMetrics.perModel(counters, CostMetrics.UNPRICED);
    this.notSent = counters.getOrDefault(CostMetrics.NOT_SENT_COST_CAP, 0L);
    this.possiblyBilled = counters.getOrDefault(CostMetrics.POSSIBLY_BILLED, 0L);
  }

  public static SpendReport of(PipelineResult result) {
    return new SpendReport(MetricCounters.inNamespace(result, CostMetrics.NAMESPACE));
  }

  public long totalNanos() {
    return totalNanos;
  }

  public double totalUsd() {
    return Usd.fromNanos(totalNanos);
  }

  public Map<String, Long> nanosByModel() {
    return nanosByModel;
  }

  /** Answers whose cost is unknown, by model. */
  public Map<String, Long> unpricedByModel() {
    return unpricedByModel;
  }

  /** Rows the cost cap held back: not sent, not failed, resumable. */
  public long rowsNotSent() {
    return notSent;
  }

  /** Attempts answered 2xx whose body could not be read: maybe charged, cost unknown. */
  public long possiblyBilled() {
    return possiblyBilled;
  }

  /** Summary lines: total spend, per model, unpriced answers, attempts possibly billed. */
  public String format() {
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "spend          %s (from usage, this run's calls)%n", Usd.format(totalNanos)));
    for (Map.Entry<String, Long> e : nanosByModel.entrySet()) {
      s.append(String.format(Locale.ROOT, "  %-28s %s%n", e.getKey(), Usd.format(e.getValue())));
    }
    if (!unpricedByModel.isEmpty()) {
      s.append("  unpriced (cost unknown, not in the total):");
      unpricedByModel.forEach((m, n) -> s.append(' ').append(m).append(" (").append(n).append(" answers)"));
      s.append(String.format("%n"));
    }
    if (possiblyBilled > 0) {
      s.append(String.format(Locale.ROOT, "  possibly billed (not in the total): %d attempts answered"
          + " 2xx with a body that could not be read (each retried at most once)%n", possiblyBilled));
    }
    return s.toString();
  }

  /** The message of a run the cap stopped. */
  public String capMessage(double maxCostUsd) {
    return String.format(Locale.ROOT,
        "cost cap reached: spent %s of $%.4f; %d rows not sent; rerun with --resume and a higher"
            + " --maxCostUsd (the cap counts this run's calls; answered rows are not sent again)",
        Usd.format(totalNanos), maxCostUsd, notSent);
  }

}
