package dev.openaibeam.cost;

import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;

/** Reads a namespace's counters from a finished pipeline: committed values, else attempted. */
final class MetricCounters {
  private MetricCounters() {}

  /** Counter name to value, summed over steps. */
  static Map<String, Long> inNamespace(PipelineResult result, String namespace) {
    Map<String, Long> out = new TreeMap<>();
    Iterable<MetricResult<Long>> counters =
        result
            .metrics()
            .queryMetrics(
                MetricsFilter.builder().addNameFilter(MetricNameFilter.inNamespace(namespace)).build())
            .getCounters();
    for (MetricResult<Long> c : counters) {
      Long v;
      try {
        v = c.getCommitted();
      } catch (UnsupportedOperationException e) {
        v = c.getAttempted(); // Flink reports attempted values only
      }
      out.merge(c.getName().getName(), v == null ? 0L : v, Long::sum);
    }
    return out;
  }

  /** The per-model counters {@code PREFIX:MODEL} of a namespace, keyed by model. */
  static Map<String, Long> perModel(Map<String, Long> counters, String prefix) {
    Map<String, Long> out = new TreeMap<>();
    String p = prefix + CostMetrics.MODEL_SEPARATOR;
    for (Map.Entry<String, Long> e : counters.entrySet()) {
      if (e.getKey().startsWith(p)) {
        out.put(e.getKey().substring(p.length()), e.getValue());
      }
    }
    return out;
  }
}
