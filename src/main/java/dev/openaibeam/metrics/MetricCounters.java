package dev.openaibeam.metrics;

import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.GaugeResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;

/**
 * Reads a namespace's counters and gauges from a finished pipeline: committed values, else
 * attempted.
 */
public final class MetricCounters {
  private MetricCounters() {}

  /** One counter, summed over steps; 0 when absent. */
  public static long named(PipelineResult result, String namespace, String name) {
    long total = 0;
    for (MetricResult<Long> c :
        result.metrics()
            .queryMetrics(
                MetricsFilter.builder().addNameFilter(MetricNameFilter.named(namespace, name)).build())
            .getCounters()) {
      total += value(c);
    }
    return total;
  }

  /** Counter name to value, summed over steps. */
  public static Map<String, Long> inNamespace(PipelineResult result, String namespace) {
    Map<String, Long> out = new TreeMap<>();
    Iterable<MetricResult<Long>> counters =
        result
            .metrics()
            .queryMetrics(
                MetricsFilter.builder().addNameFilter(MetricNameFilter.inNamespace(namespace)).build())
            .getCounters();
    for (MetricResult<Long> c : counters) {
      out.merge(c.getName().getName(), value(c), Long::sum);
    }
    return out;
  }

  /** Gauge name to its latest value. */
  public static Map<String, Long> gauges(PipelineResult result, String namespace) {
    Map<String, Long> out = new TreeMap<>();
    for (MetricResult<GaugeResult> g :
        result
            .metrics()
            .queryMetrics(
                MetricsFilter.builder().addNameFilter(MetricNameFilter.inNamespace(namespace)).build())
            .getGauges()) {
      GaugeResult v;
      try {
        v = g.getCommitted();
      } catch (UnsupportedOperationException e) {
        v = g.getAttempted();
      }
      if (v != null) {
        out.put(g.getName().getName(), v.getValue());
      }
    }
    return out;
  }

  private static long value(MetricResult<Long> c) {
    Long v;
    try {
      v = c.getCommitted();
    } catch (UnsupportedOperationException e) {
      v = c.getAttempted(); // Flink reports attempted values only
    }
    return v == null ? 0L : v;
  }

  /** The counters named {@code PREFIX + KEY}, keyed by KEY (e.g. per-model counters). */
  public static Map<String, Long> withPrefix(Map<String, Long> counters, String p) {
    Map<String, Long> out = new TreeMap<>();
    for (Map.Entry<String, Long> e : counters.entrySet()) {
      if (e.getKey().startsWith(p)) {
        out.put(e.getKey().substring(p.length()), e.getValue());
      }
    }
    return out;
  }
}
