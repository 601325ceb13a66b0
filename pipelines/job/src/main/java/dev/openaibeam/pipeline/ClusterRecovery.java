package dev.openaibeam.pipeline;

import dev.openaibeam.transport.CallOutcome;
import dev.openaibeam.transport.HttpTransport;
import java.util.Locale;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * How a job on a Flink cluster rides out a lost TaskManager. Beam's Flink runner gives a batch job
 * no restart strategy, and Flink 1.19 does not carry one set in the client's configuration into a
 * DataSet job (its REST API then reports "Cluster level default restart strategy"), so the
 * cluster's own {@code restart-strategy.type} decides: without one the first lost worker fails the
 * whole job ({@code NoRestartBackoffTimeStrategy}); {@code run-scripts/flink-cluster.sh} sets one,
 * and for any other cluster the run says once that it has none. A job whose exchanges are
 * pipelined needs all its slots at once, so a restart (or a resume) after a TaskManager is gone
 * waits for slots that never come ({@code NoResourceAvailableException}); unless the command says
 * otherwise a job sent to a cluster therefore gets blocking exchanges between stages
 * ({@code --executionModeForBatch=BATCH_FORCED}: each stage's subtasks run on the slots there are,
 * one after another if need be) and a parallelism no larger than the cluster's slots. A restarted
 * calling subtask answers what the result journal already holds, so only calls in flight on the
 * lost worker are paid twice.
 */
final class ClusterRecovery {
  private static final Pattern SLOTS_TOTAL = Pattern.compile("\"slots-total\"\\s*:\\s*(\\d+)");
  private static final Pattern RESTART_STRATEGY =
      Pattern.compile("\"key\"\\s*:\\s*\"restart-strategy(?:\\.type)?\"\\s*,\\s*\"value\"\\s*:\\s*\"([^\"]*)\"");

  private ClusterRecovery() {}

  /**
   * Applies the defaults to a run on a Flink cluster; returns the summary's line about them (""
   * for any other runner).
   */
  static String apply(OpenAiBeamOptions o, Set<String> given) {
    if (o.getRunner() != FlinkRunner.class) {
      return "";
    }
    FlinkPipelineOptions flink = o.as(FlinkPipelineOptions.class);
    String master = flink.getFlinkMaster();
    if (master == null || master.startsWith("[")) {
      return ""; // local or auto: a lost worker is this process
    }
    StringBuilder what = new StringBuilder();
    String strategy = restartStrategy(get(master, "/jobmanager/config"));
    if (strategy == null || strategy.equals("none") || strategy.equals("disable")
        || strategy.equals("off")) {
      System.err.printf("openai-beam: the Flink cluster at %s has no restart strategy: a lost"
          + " TaskManager fails this job (answers so far stay journaled for --resume); set"
          + " restart-strategy.type: fixed-delay in its config.yaml (docs/flink.md)%n", master);
      what.append("no restarts (the cluster has no restart strategy)");
    } else {
      what.append("restarts as the cluster says (").append(strategy).append(")");
    }
    if (!given.contains("executionModeForBatch")) {
      flink.setExecutionModeForBatch("BATCH_FORCED");
      what.append("; blocking exchanges (runs on the slots left)");
    }
    Matcher slots = SLOTS_TOTAL.matcher(get(master, "/overview"));
    Integer parallelism = flink.getParallelism();
    if (slots.find() && parallelism != null && parallelism > Integer.parseInt(slots.group(1))) {
      int n = Integer.parseInt(slots.group(1));
      System.err.printf("openai-beam: the cluster at %s has %d slots; running at parallelism %d,"
          + " not %d%n", master, n, n, parallelism);
      flink.setParallelism(n);
    }
    what.append("; answers journaled, a restarted subtask replays them");
    return "recovery       " + what + System.lineSeparator();
  }

  /** The restart strategy in a {@code /jobmanager/config} answer; null when it names none. */
  static @Nullable String restartStrategy(String jobManagerConfig) {
    Matcher m = RESTART_STRATEGY.matcher(jobManagerConfig);
    return m.find() ? m.group(1).toLowerCase(Locale.ROOT) : null;
  }

  /** The body of a GET to the cluster's REST API; "" when it does not answer. */
  static String get(String master, String path) {
    String hostPort = master.replaceFirst("^https?://", "");
    try (HttpTransport http =
        HttpTransport.create(Duration.ofSeconds(5), Duration.ofSeconds(10), 1, null)) {
      CallOutcome answer = http.send(SimpleRequestBuilder.get("http://" + hostPort + path).build(),
          HttpTransport.Expect.TEXT).get(15, TimeUnit.SECONDS);
      return answer.status() == 200 && answer.body() != null ? answer.body() : "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      return "";
    }
  }
}
