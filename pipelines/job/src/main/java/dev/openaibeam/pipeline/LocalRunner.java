package dev.openaibeam.pipeline;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult.Metadata;
import org.apache.beam.sdk.io.fs.MatchResult;

/**
 * The runner of a run that names none. Beam's direct runner reaches the first call sooner (about a
 * second less here: no mini-cluster to start) but keeps every keyed element in memory and makes
 * fewer calls per second (100,000 rows: 19.4 s against Flink local's 12.7 s); Flink local sorts
 * with spilling to disk, so a million rows fit a 1 GiB heap. So: the direct runner for an input of
 * at most {@value #DIRECT_MAX_BYTES} bytes that also fits the heap eight times over, Flink local
 * otherwise.
 *
 * <p>Whenever this job runs on the direct runner, the runner's checks that a step neither mutates
 * nor fails to encode its elements are off unless asked for: they test user code, cost start-up and
 * throughput, and the job's own steps do neither.
 */
final class LocalRunner {
  static final long DIRECT_MAX_BYTES = 8L << 20;

  private LocalRunner() {}

  /**
   * Sets the runner when the command gave none; returns a line for the summary saying which and
   * why ("" when the command chose).
   *
   * @param given the options the command line named
   */
  static String choose(OpenAiBeamOptions o, Set<String> given) {
    if (given.contains("runner")) {
      quietDirect(o, given);
      return "";
    }
    long bytes = inputBytes(o.getInput());
    if (bytes >= 0 && bytes <= DIRECT_MAX_BYTES && bytes * 8 <= Runtime.getRuntime().maxMemory()) {
      o.setRunner(DirectRunner.class);
      quietDirect(o, given);
      return String.format(Locale.ROOT,
          "runner         direct (input %.1f MB; Flink local from %d MB, or with --runner=FlinkRunner)%n",
          bytes / 1e6, DIRECT_MAX_BYTES >> 20);
    }
    o.setRunner(FlinkRunner.class);
    FlinkPipelineOptions flink = o.as(FlinkPipelineOptions.class);
    if ("[auto]".equals(flink.getFlinkMaster())) {
      flink.setFlinkMaster("[local]");
    }
    return String.format(Locale.ROOT,
        "runner         Flink local (input %.1f MB: sorts with spilling to disk)%n", bytes / 1e6);
  }

  private static void quietDirect(OpenAiBeamOptions o, Set<String> given) {
    if (o.getRunner() == DirectRunner.class) {
      DirectOptions d = o.as(DirectOptions.class);
      // Only when left at their defaults: an explicit --enforceImmutability=true stays.
      if (!given.contains("enforceImmutability")) {
        d.setEnforceImmutability(false);
      }
      if (!given.contains("enforceEncodability")) {
        d.setEnforceEncodability(false);
      }
    }
  }

  /** The input's size in bytes; -1 when it cannot be matched (the run then reports why). */
  static long inputBytes(String glob) {
    try {
      long total = 0;
      for (MatchResult r : FileSystems.match(List.of(glob))) {
        if (r.status() == MatchResult.Status.OK) {
          for (Metadata m : r.metadata()) {
            total += m.sizeBytes();
          }
        }
      }
      return total;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
