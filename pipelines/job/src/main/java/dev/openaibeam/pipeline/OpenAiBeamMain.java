package dev.openaibeam.pipeline;

import dev.openaibeam.call.LocalProgress;
import dev.openaibeam.cost.SpendReport;
import java.util.Set;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * Command line entry: {@code --input=... --output=... --failures=... [--rpm --tpm ...]}. Exits 0
 * when the run completed (failed rows are in the failures sink), 2 when a hopeless error (bad key,
 * no quota) stopped it, 3 when the cost cap ({@code --maxCostUsd}) held rows back (resumable), 1 on
 * any other failure. {@code --estimateOnly} prints the estimate and exits 0 without calling.
 */
public final class OpenAiBeamMain {
  private OpenAiBeamMain() {}

  public static void main(String[] args) {
    long commandStart = System.nanoTime();
    String[] rest = RunLogging.configure(args);
    BeamPlugins.install(rest);
    PipelineOptionsFactory.register(OpenAiBeamOptions.class);
    OpenAiBeamOptions options =
        PipelineOptionsFactory.fromArgs(rest).withValidation().as(OpenAiBeamOptions.class);
    System.exit(run(options, commandStart, BeamPlugins.optionNames(rest)));
  }

  /** Runs the job on the runner the options name (the direct runner when they name none). */
  public static int run(OpenAiBeamOptions options) {
    return run(options, System.nanoTime(), Set.of("runner", "enforceImmutability", "enforceEncodability"));
  }

  /**
   * Runs the job; {@code commandStart} ({@link System#nanoTime()}) is when the command started, so
   * the summary's wall time includes the start-up (options, graph, runner) the user waited for.
   */
  static int run(OpenAiBeamOptions options, long commandStart, Set<String> given) {
    FileSystems.setDefaultPipelineOptions(options);
    String runner = LocalRunner.choose(options, given) + ClusterRecovery.apply(options, given);
    if (options.getEstimateOnly()) {
      return CostEstimateRun.run(options);
    }
    if (!options.getResume()) {
      try {
        Resume.clear(OpenAiBeamPipeline.journal(options).glob());
      } catch (java.io.IOException e) {
        System.err.println("openai-beam: cannot clear the old journal: " + e);
        return 1;
      }
    }
    // An earlier run's final files: this run writes every row again (resumed ones from the
    // journal), and its shards may be named differently (another shard count), so old ones would
    // stay beside them and a reader of results* would see rows twice.
    try {
      int old = Resume.clear(OpenAiBeamPipeline.shardGlob(options.getOutput()))
          + Resume.clear(OpenAiBeamPipeline.shardGlob(options.getFailures()));
      if (old > 0) {
        System.err.printf("openai-beam: replacing %d result and failure files of an earlier run%n", old);
      }
    } catch (java.io.IOException e) {
      System.err.println("openai-beam: cannot remove an earlier run's output files: " + e);
      return 1;
    }
    Pipeline p = Pipeline.create(options);
    try {
      OpenAiBeamPipeline.build(p, options);
    } catch (IllegalArgumentException e) {
      System.err.println("openai-beam: " + e.getMessage());
      return 1;
    }
    long start = System.nanoTime();
    try (ProgressLine progress = new ProgressLine(System.err, options.getProgressSeconds())) {
      PipelineResult result = p.run();
      PipelineResult.State state = result.waitUntilFinish();
      double jobSeconds = (System.nanoTime() - start) / 1e9;
      double seconds = (System.nanoTime() - commandStart) / 1e9;
      System.out.println("openai-beam: run " + state);
      System.out.println("results:  " + options.getOutput() + "*.jsonl");
      System.out.println("failures: " + options.getFailures() + "*.jsonl");
      RunSummary summary = RunSummary.of(result, seconds);
      System.out.print(ConnectionOptions.describeService(options));
      System.out.print(summary.format());
      if (!com.google.common.base.Strings.isNullOrEmpty(options.getBudgetStore())) {
        System.out.printf(java.util.Locale.ROOT,
            "budget store   %s, weight %s; %d round trips from this JVM (%.2f per call)%n",
            dev.openaibeam.store.BudgetStore.redis(options.getBudgetStore()).describe(),
            options.getBudgetWeight(), dev.openaibeam.store.BudgetStore.roundTripsOfThisWorker(),
            dev.openaibeam.store.BudgetStore.roundTripsOfThisWorker()
                / (double) Math.max(1, summary.attempts));
      }
      System.out.print(runner);
      System.out.print(RunPhases.of(commandStart, start, System.nanoTime()).format());
      System.out.printf(java.util.Locale.ROOT,
          "throughput     %.0f rows/s over the wall time (%.0f rows/s over the job's %.1f s); peak calls in flight %d (this JVM)%n",
          summary.rows() / seconds, summary.rows() / jobSeconds, jobSeconds,
          LocalProgress.peakInFlight());
      if (state == PipelineResult.State.DONE && summary.spend.rowsNotSent() > 0) {
        System.err.println("openai-beam: " + summary.spend.capMessage(options.getMaxCostUsd()));
        return SpendReport.EXIT_COST_CAP;
      }
      return state == PipelineResult.State.DONE ? 0 : 1;
    } catch (RuntimeException e) {
      return RunFailures.exitCode(e);
    }
  }
}
