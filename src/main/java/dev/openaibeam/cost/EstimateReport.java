package dev.openaibeam.cost;

import dev.openaibeam.metrics.MetricCounters;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.beam.sdk.PipelineResult;

/**
 * The dollars of an {@link EstimateCost} run: tokens per model priced with a {@link PriceTable}
 * (online and Batch API), totals over the priced models, and the unpriced models listed apart
 * (their rows are not in the dollars, never counted as $0).
 */
public final class EstimateReport {
  /** One model's rows and tokens, and its price if it has one. */
  public record ModelLine(
      String model,
      long rows,
      long promptTokens,
      long completionTokensMax,
      long completionTokensExpected,
      Optional<PriceTable.Match> price) {

    public long nanoUsd(boolean expected, PricingMode mode) {
      return price
          .map(m -> m.price().nanoUsd(
              TokenUsage.of(promptTokens, 0, expected ? completionTokensExpected : completionTokensMax), mode))
          .orElse(0L);
    }
  }

  private final List<ModelLine> lines;
  private final long unusableRows;
  private final long malformedLines;
  private final CostEstimator estimator;
  private final String pricesNote;

  EstimateReport(
      List<ModelLine> lines, long unusableRows, long malformedLines, CostEstimator estimator, String pricesNote) {
    this.lines = List.copyOf(lines);
    this.unusableRows = unusableRows;
    this.malformedLines = malformedLines;
    this.estimator = estimator;
    this.pricesNote = pricesNote;
  }

  /**
   * @param malformedLines input lines that were not requests (they cost nothing)
   */
  public static EstimateReport of(
      PipelineResult result, PriceTable prices, CostEstimator estimator, long malformedLines) {
    Map<String, Long> c = MetricCounters.inNamespace(result, EstimateCost.NAMESPACE);
    Map<String, Long> rows = CostMetrics.perModel(c, EstimateCost.ROWS);
    Map<String, Long> prompt = CostMetrics.perModel(c, EstimateCost.PROMPT);
    Map<String, Long> max = CostMetrics.perModel(c, EstimateCost.COMPLETION_MAX);
    Map<String, Long> expected = CostMetrics.perModel(c, EstimateCost.COMPLETION_EXPECTED);
    List<ModelLine> lines = new ArrayList<>();
    for (Map.Entry<String, Long> e : new TreeMap<>(rows).entrySet()) {
      String m = e.getKey();
      lines.add(new ModelLine(m, e.getValue(), prompt.getOrDefault(m, 0L), max.getOrDefault(m, 0L),
          expected.getOrDefault(m, 0L), prices.lookup(m)));
    }
    String note = prices.asOf().isEmpty() ? "" : "prices as of " + prices.asOf();
    return new EstimateReport(lines, c.getOrDefault(EstimateCost.UNUSABLE, 0L), malformedLines, estimator, note);
  }

  public List<ModelLine> lines() {
    return lines;
  }

  public long rows() {
    return lines.stream().mapToLong(ModelLine::rows).sum();
  }

  public long promptTokens() {
    return lines.stream().mapToLong(ModelLine::promptTokens).sum();
  }

  public long completionTokensMax() {
    return lines.stream().mapToLong(ModelLine::completionTokensMax).sum();
  }

  public long completionTokensExpected() {
    return lines.stream().mapToLong(ModelLine::completionTokensExpected).sum();
  }

  /** Total over priced models, nano-dollars: the upper bound, or the expected figure. */
  public long totalNanos(boolean expected, PricingMode mode) {
    return lines.stream().mapToLong(l -> l.nanoUsd(expected, mode)).sum();
  }

  /** Models without a price, with their row counts. */
  public Map<String, Long> unpricedModels() {
    Map<String, Long> out = new TreeMap<>();
    lines.stream().filter(l -> l.price().isEmpty()).forEach(l -> out.put(l.model(), l.rows()));
    return out;
  }

  public String format() {
    boolean withExpected = estimator.getExpectedOutputTokens() > 0;
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT,
        "estimate (no call made): %d requests; %d lines are not requests, %d bodies unusable (no cost)%n",
        rows(), malformedLines, unusableRows));
    s.append(String.format(Locale.ROOT, "%-36s %8s %12s %14s %14s %12s%n", "model (price entry)", "rows",
        "prompt tok", "completion tok", "online $", "batch $"));
    for (ModelLine l : lines) {
      String name = l.model() + l.price().map(m -> m.name().equals(l.model()) ? "" : " (" + m.name() + ")")
          .orElse(" (UNPRICED)");
      boolean exp = withExpected;
      s.append(String.format(Locale.ROOT, "%-36s %8d %12d %14d %14s %12s%n", name, l.rows(), l.promptTokens(),
          exp ? l.completionTokensExpected() : l.completionTokensMax(),
          l.price().isPresent() ? Usd.format(l.nanoUsd(exp, PricingMode.ONLINE)) : "?",
          l.price().isPresent() ? Usd.format(l.nanoUsd(exp, PricingMode.BATCH)) : "?"));
    }
    s.append(String.format(Locale.ROOT, "%-36s %8d %12d %14d %14s %12s%n",
        withExpected ? "TOTAL (expected)" : "TOTAL (upper bound)", rows(), promptTokens(),
        withExpected ? completionTokensExpected() : completionTokensMax(),
        Usd.format(totalNanos(withExpected, PricingMode.ONLINE)),
        Usd.format(totalNanos(withExpected, PricingMode.BATCH))));
    if (withExpected) {
      s.append(String.format(Locale.ROOT, "%-36s %8s %12s %14d %14s %12s%n", "TOTAL (upper bound)", "", "",
          completionTokensMax(), Usd.format(totalNanos(false, PricingMode.ONLINE)),
          Usd.format(totalNanos(false, PricingMode.BATCH))));
    }
    Map<String, Long> unpriced = unpricedModels();
    if (!unpriced.isEmpty()) {
      s.append("unpriced models (NOT in the dollars above; add them with --priceFile):");
      unpriced.forEach((m, n) -> s.append(' ').append(m).append(" (").append(n).append(" rows)"));
      s.append(String.format("%n"));
    }
    s.append("assumption: ").append(estimator.assumption()).append(String.format("%n"));
    if (!pricesNote.isEmpty()) {
      s.append(pricesNote).append(" (check current prices; override with --priceFile)").append(String.format("%n"));
    }
    return s.toString();
  }

}
