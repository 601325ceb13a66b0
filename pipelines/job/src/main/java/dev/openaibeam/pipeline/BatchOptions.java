package dev.openaibeam.pipeline;

import com.google.common.base.Strings;
import dev.openaibeam.batch.OnlineOrBatch;
import dev.openaibeam.batch.OpenAiBatch;
import dev.openaibeam.cost.PriceTable;
import java.time.Duration;

/** The {@link OpenAiBatch} transform the JSONL job's options describe. */
final class BatchOptions {
  private BatchOptions() {}

  /**
   * Refuses options the Batch API path cannot honour when the options can send rows to it ({@code
   * --mode=batch}, or {@code auto} accepting 24 h answers), instead of ignoring them.
   */
  static void checkSupported(OpenAiBeamOptions o) {
    OnlineOrBatch.Mode mode = OnlineOrBatch.Mode.parse(o.getMode());
    boolean batchPossible =
        mode == OnlineOrBatch.Mode.BATCH
            || (mode == OnlineOrBatch.Mode.AUTO
                && o.getMaxLatencyHours() >= OnlineOrBatch.BATCH_WINDOW_HOURS);
    if (!batchPossible) {
      return;
    }
    if (!Strings.isNullOrEmpty(o.getKeysFile())) {
      throw new IllegalArgumentException(
          "--keysFile is not supported with --mode=" + mode + ": the Batch API path sends every"
              + " batch with one key; use --mode=online, or the key options");
    }
    if (o.getMaxCostUsd() > 0) {
      throw new IllegalArgumentException(
          "--maxCostUsd is not supported with --mode=" + mode + ": a batch's answers are priced only"
              + " once it has run; check the cost first with --estimateOnly, or use --mode=online");
    }
    if (!Strings.isNullOrEmpty(o.getAzureApiVersion())) {
      throw new IllegalArgumentException(
          "--azureApiVersion is not supported with --mode=" + mode
              + ": the Batch API path speaks OpenAI's Files and Batches endpoints only");
    }
  }

  /** The state directory: {@code --batchStateDir}, else the {@code --output} prefix + ".batches". */
  static String stateDir(OpenAiBeamOptions o) {
    return Strings.isNullOrEmpty(o.getBatchStateDir()) ? o.getOutput() + ".batches" : o.getBatchStateDir();
  }

  static OpenAiBatch batchFrom(OpenAiBeamOptions o) {
    return OpenAiBatch.of(ConnectionOptions.connectionFrom(o))
        .withCompletionWindow(o.getBatchCompletionWindow())
        .withPollInterval(Duration.ofMillis(Math.max(1, (long) (o.getBatchPollSeconds() * 1000))))
        .withMaxWait(Duration.ofMinutes(o.getBatchMaxWaitMinutes()))
        .withMaxRounds(o.getBatchMaxRounds())
        .withFileLimits(o.getBatchMaxRequestsPerFile(), 200L * 1024 * 1024)
        .withStateDirectory(stateDir(o))
        .withPriceTable(PriceTable.bundledWith(o.getPriceFile()));
  }
}
