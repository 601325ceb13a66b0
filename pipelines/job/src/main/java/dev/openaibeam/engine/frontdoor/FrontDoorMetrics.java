package dev.openaibeam.engine.frontdoor;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The engine's counters in Prometheus' text format ({@code GET /metrics} on the front door): the
 * front door's own (requests, answers by status, 429s it gave, queue length, latency, the
 * upstream's latency) and the pipeline's (calls, upstream 429s, budget wait), read from the
 * running pipeline by {@code pipelineCounters}.
 */
public final class FrontDoorMetrics {
  private static final double[] LATENCY_BOUNDS =
      {0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

  private final PrometheusRegistry registry = new PrometheusRegistry();
  final Counter requests;
  final Counter answers;
  final Counter refused;
  final Counter duplicates;
  final Histogram latency;
  final Histogram upstreamLatency;

  public FrontDoorMetrics(IntSupplier queueLength, Supplier<Map<String, Long>> pipelineCounters) {
    requests = Counter.builder().name("openai_beam_frontdoor_requests")
        .help("Requests the front door received").labelNames("endpoint").register(registry);
    answers = Counter.builder().name("openai_beam_frontdoor_answers")
        .help("Answers the front door sent, by HTTP status").labelNames("status").register(registry);
    refused = Counter.builder().name("openai_beam_frontdoor_429")
        .help("Requests refused with 429 because the queue was longer than the budget serves in time")
        .register(registry);
    duplicates = Counter.builder().name("openai_beam_frontdoor_duplicate_answers")
        .help("Answers read for a request already answered or no longer waited for").register(registry);
    latency = Histogram.builder().name("openai_beam_frontdoor_latency_seconds")
        .help("Time from a request's arrival at the front door to its answer")
        .classicUpperBounds(LATENCY_BOUNDS).register(registry);
    upstreamLatency = Histogram.builder().name("openai_beam_upstream_latency_seconds")
        .help("The upstream's latency of the answered requests (their last attempt)")
        .classicUpperBounds(LATENCY_BOUNDS).register(registry);
    GaugeWithCallback.builder().name("openai_beam_frontdoor_queue_length")
        .help("Requests published and not yet answered")
        .callback(cb -> cb.call(queueLength.getAsInt())).register(registry);
    GaugeWithCallback.builder().name("openai_beam_pipeline_counter")
        .help("The streaming pipeline's counters (calls, upstream 429s, budget wait in ms, ...)")
        .labelNames("name")
        .callback(cb -> pipelineCounters.get().forEach((k, v) -> cb.call(v, k)))
        .register(registry);
  }

  /** The Prometheus text exposition of every metric. */
  public String scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      new PrometheusTextFormatWriter(false).write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(java.nio.charset.StandardCharsets.UTF_8);
  }
}
