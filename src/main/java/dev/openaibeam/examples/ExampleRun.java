package dev.openaibeam.examples;

import dev.openaibeam.metrics.MetricCounters;
import dev.openaibeam.call.HopelessApiException;
import dev.openaibeam.enrich.OpenAiEnrichment;
import dev.openaibeam.pipeline.RunSummary;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;

/** Runs an example pipeline and prints where its output went and a summary. */
final class ExampleRun {
  private ExampleRun() {}

  /** 0 when the run completed, 2 when a hopeless error (bad key, no quota) stopped it, else 1. */
  static int run(Pipeline p, String what, String outputs, String failures, PrintStream out) {
    long start = System.nanoTime();
    try {
      PipelineResult result = p.run();
      PipelineResult.State state = result.waitUntilFinish();
      double seconds = (System.nanoTime() - start) / 1e9;
      RunSummary call = RunSummary.of(result, seconds);
      out.println("openai-beam example " + what + ": run " + state);
      out.println("output:   " + outputs);
      out.println("failures: " + failures);
      out.printf(Locale.ROOT, "enriched       %d%n", counter(result, OpenAiEnrichment.NAMESPACE, OpenAiEnrichment.ENRICHED));
      out.printf(Locale.ROOT, "failed         %d%n", counter(result, OpenAiEnrichment.NAMESPACE, OpenAiEnrichment.FAILED));
      out.printf(Locale.ROOT, "api requests   %d (attempts %d, retries %d)%n", call.requests, call.attempts, call.retried);
      out.printf(Locale.ROOT, "429s           %d%n", call.rateLimited());
      out.printf(Locale.ROOT, "tokens         %d used (usage), %d reserved by estimate%n", call.tokensActual, call.tokensEstimated);
      for (Map.Entry<String, Long> e : counters(result, what).entrySet()) {
        out.printf(Locale.ROOT, "%-14s %d%n", e.getKey(), e.getValue());
      }
      out.printf(Locale.ROOT, "wall time      %.1f s%n", seconds);
      return state == PipelineResult.State.DONE ? 0 : 1;
    } catch (RuntimeException e) {
      for (Throwable c = e; c != null; c = c.getCause()) {
        if (c instanceof HopelessApiException) {
          System.err.println("openai-beam: " + c.getMessage());
          return 2;
        }
      }
      System.err.println("openai-beam: run failed: " + e);
      e.printStackTrace(System.err);
      return 1;
    }
  }

  private static long counter(PipelineResult result, String namespace, String name) {
    return MetricCounters.named(result, namespace, name);
  }

  /** The example's own counters (namespace = the example's name), by name. */
  private static Map<String, Long> counters(PipelineResult result, String namespace) {
    return MetricCounters.inNamespace(result, namespace);
  }
}
