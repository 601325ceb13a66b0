package dev.openaibeam.examples;

import dev.openaibeam.enrich.OpenAiEnrichment;
import dev.openaibeam.metrics.MetricCounters;
import dev.openaibeam.pipeline.RunFailures;
import dev.openaibeam.pipeline.RunLogging;
import dev.openaibeam.pipeline.RunSummary;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/** Runs an example pipeline and prints where its output went and a summary. */
final class ExampleRun {
  private ExampleRun() {}

  /** Parses an example's options (logging quiet unless --verbose) and sets up the filesystems. */
  static <O extends PipelineOptions> O options(String[] args, Class<O> type) {
    PipelineOptionsFactory.register(type);
    O o = PipelineOptionsFactory.fromArgs(RunLogging.configure(args)).withValidation().as(type);
    FileSystems.setDefaultPipelineOptions(o);
    return o;
  }

  /** 0 when the run completed, 2 when a hopeless error (bad key, no quota) stopped it, else 1. */
  static int run(Pipeline p, String what, String outputs, String failures, PrintStream out) {
    long start = System.nanoTime();
    try {
      PipelineResult result = p.run();
      PipelineResult.State state = result.waitUntilFinish();
      double seconds = (System.nanoTime() - start) / 1e9;
      Map<String, Long> enrichment = MetricCounters.inNamespace(result, OpenAiEnrichment.NAMESPACE);
      out.println("openai-beam example " + what + ": run " + state);
      out.println("output:   " + outputs);
      out.println("failures: " + failures);
      out.printf(Locale.ROOT, "enriched       %d%n", enrichment.getOrDefault(OpenAiEnrichment.ENRICHED, 0L));
      out.printf(Locale.ROOT, "failed         %d%n", enrichment.getOrDefault(OpenAiEnrichment.FAILED, 0L));
      out.print(RunSummary.of(result, seconds).formatCalls());
      // The example's own counters (namespace = the example's name), by name.
      for (Map.Entry<String, Long> e : MetricCounters.inNamespace(result, what).entrySet()) {
        out.printf(Locale.ROOT, "%-14s %d%n", e.getKey(), e.getValue());
      }
      out.printf(Locale.ROOT, "wall time      %.1f s%n", seconds);
      return state == PipelineResult.State.DONE ? 0 : 1;
    } catch (RuntimeException e) {
      return RunFailures.exitCode(e);
    }
  }
}
