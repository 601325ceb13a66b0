package dev.openaibeam.pipeline;

import com.google.common.base.Strings;
import dev.openaibeam.batch.OpenAiBatch;
import java.time.Duration;

/** The {@link OpenAiBatch} transform the JSONL job's options describe. */
final class BatchOptions {
  private BatchOptions() {}

  /** The state directory: {@code --batchStateDir}, else the {@code --output} prefix + ".batches". */
  static String stateDir(OpenAiBeamOptions o) {
    return Strings.isNullOrEmpty(o.getBatchStateDir()) ? o.getOutput() + ".batches" : o.getBatchStateDir();
  }

  static OpenAiBatch batchFrom(OpenAiBeamOptions o) {
    return OpenAiBatch.create()
        .withBaseUrl(o.getBaseUrl())
        .withApiKey(OpenAiBeamPipeline.keySource(o))
        .withCompletionWindow(o.getBatchCompletionWindow())
        .withPollInterval(Duration.ofMillis(Math.max(1, (long) (o.getBatchPollSeconds() * 1000))))
        .withMaxWait(Duration.ofMinutes(o.getBatchMaxWaitMinutes()))
        .withMaxRounds(o.getBatchMaxRounds())
        .withFileLimits(o.getBatchMaxRequestsPerFile(), 200L * 1024 * 1024)
        .withStateDirectory(stateDir(o))
        .withPriceTable(dev.openaibeam.cost.PriceTable.bundledWith(o.getPriceFile()));
  }
}
