package dev.openaibeam.cost;

import dev.openaibeam.metrics.MetricCounters;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;

/**
 * Spend counters, in the call stage's namespace {@code openai}: {@value #COST_NANO_USD} (all
 * answers, in nano-dollars), {@value #COST_NANO_USD}{@code :MODEL} per price-table entry, {@value
 * #UNPRICED}{@code :MODEL} (answers whose model has no price: their cost is unknown, not zero) and
 * {@value #NOT_SENT_COST_CAP} (rows held back by the cost cap, resumable) and {@value
 * #POSSIBLY_BILLED} (attempts answered 2xx whose body could not be read: the service may have
 * charged them, their cost is unknown).
 */
public final class CostMetrics {
  public static final String NAMESPACE = "openai";
  public static final String COST_NANO_USD = "cost_nano_usd";
  public static final String UNPRICED = "unpriced_responses";
  public static final String NOT_SENT_COST_CAP = "rows_not_sent_cost_cap";
  public static final String POSSIBLY_BILLED = "possibly_billed_attempts";
  public static final char MODEL_SEPARATOR = ':';

  private final Counter total = Metrics.counter(NAMESPACE, COST_NANO_USD);
  private final Counter notSent = Metrics.counter(NAMESPACE, NOT_SENT_COST_CAP);
  private final Map<String, Counter> perModel = new HashMap<>();
  private final Map<String, Counter> unpriced = new HashMap<>();

  void spent(String pricedModel, long nanos) {
    total.inc(nanos);
    perModel
        .computeIfAbsent(pricedModel, m -> Metrics.counter(NAMESPACE, COST_NANO_USD + MODEL_SEPARATOR + m))
        .inc(nanos);
  }

  void unpriced(String model) {
    unpriced
        .computeIfAbsent(model, m -> Metrics.counter(NAMESPACE, UNPRICED + MODEL_SEPARATOR + m))
        .inc();
  }

  /** The per-model counters {@code PREFIX:MODEL} among a namespace's counters, keyed by model. */
  static Map<String, Long> perModel(Map<String, Long> counters, String prefix) {
    return MetricCounters.withPrefix(counters, prefix + MODEL_SEPARATOR);
  }

  void notSent() {
    notSent.inc();
  }
}
