package dev.openaibeam.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.openaibeam.emulator.EmulatorConfig;
import dev.openaibeam.emulator.EmulatorStats;
import dev.openaibeam.emulator.LatencyModel;
import dev.openaibeam.emulator.OpenAiEmulator;
import dev.openaibeam.testing.ProjectRoot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The bundled jar on a real Flink session cluster: {@code flink-cluster.sh start} (a JobManager and
 * two TaskManagers, each its own JVM), {@code run-flink.sh} submits the JSONL job at parallelism 4
 * against the emulator in this JVM (1-second windows, an RPM limit that keeps the run budget-bound
 * for several seconds), and the test checks that the job ran on the cluster's TaskManagers, that
 * the one budget held across them, and that every row came out exactly once. Runs in Maven's
 * integration-test phase (failsafe), after the bundled jar is packaged.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class FlinkClusterIT {
  private static final int PARALLELISM = 4;
  private static final int TASK_MANAGERS = 2;
  private static final int ROWS = 600;
  private static final long RPM = 3_000; // 50 per 1-second window: about 11 s of budget for 600 rows
  private static final String KEY = "sk-flink-cluster-it-7311";

  @Test
  void jobRunsOnTheClusterInsideOneBudget() throws Exception {
    Path root = ProjectRoot.get();
    Path target = root.resolve("target");
    Path dir = Files.createTempDirectory(Files.createDirectories(target), "flink-it-");
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) {
      lines.add("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"ticket " + i
          + "\"}],\"max_tokens\":5,\"metadata\":{\"n\":" + i + "}}");
    }
    lines.add("not json: a failure row"); // line ROWS + 1
    Path input = dir.resolve("in.jsonl");
    Files.write(input, lines, StandardCharsets.UTF_8);
    Path keyFile = dir.resolve("key.txt");
    Files.writeString(keyFile, KEY);
    String jobName = "openai-beam-it-" + System.currentTimeMillis();

    EmulatorConfig cfg =
        EmulatorConfig.builder().rpm(RPM).windowSeconds(1).latency(LatencyModel.fixed(20)).build();
    long started = System.nanoTime();
    List<Long> clusterPids = new ArrayList<>();
    try (OpenAiEmulator emu = OpenAiEmulator.start(cfg);
        FlinkSessionCluster cluster = FlinkSessionCluster.start(
            root, target.resolve("flink-it-cluster"), TASK_MANAGERS, Duration.ofMinutes(4))) {
      double clusterUpSeconds = (System.nanoTime() - started) / 1e9;
      clusterPids.add(cluster.pid("jobmanager"));
      for (String tm : cluster.taskManagerNames()) {
        clusterPids.add(cluster.pid(tm));
      }

      Path clientLog = dir.resolve("run-flink.out");
      ProcessBuilder pb = new ProcessBuilder(
          root.resolve("run-scripts/run-flink.sh").toString(),
          "--flinkMaster=" + cluster.master(),
          "--parallelism=" + PARALLELISM,
          // docs/budget.md: shards <= worker threads; as many as subtasks so calls come from both
          // TaskManagers at once.
          "--budgetShards=" + PARALLELISM,
          "--jobName=" + jobName,
          "--input=" + input,
          "--output=" + dir.resolve("out/results"),
          "--failures=" + dir.resolve("out/failures"),
          "--baseUrl=" + emu.baseUrl(),
          "--apiKeyFile=" + keyFile,
          "--rpm=" + RPM,
          "--rateLimitWindowSeconds=1")
          .redirectErrorStream(true)
          .redirectOutput(clientLog.toFile());
      pb.environment().put("OPENAI_BEAM_NO_BUILD", "1");
      pb.environment().put("JAVA_OPTS", "-Xmx1g");
      long submitted = System.nanoTime();
      Process client = pb.start();
      if (!client.waitFor(5, TimeUnit.MINUTES)) {
        client.destroyForcibly();
        throw new AssertionError("run-flink.sh did not finish:\n" + Files.readString(clientLog));
      }
      double jobSeconds = (System.nanoTime() - submitted) / 1e9;
      String clientOut = Files.readString(clientLog);
      System.out.println(clientOut);
      assertEquals(0, client.exitValue(), "run-flink.sh exit code; logs in " + cluster.logDir());

      // The job ran on the cluster: the JobManager lists it FINISHED, at parallelism 4, with its
      // subtasks on both TaskManagers, which are JVMs other than this one and the client.
      JsonNode job = findJob(cluster, jobName);
      assertNotNull(job, "job " + jobName + " not listed by the JobManager");
      assertEquals("FINISHED", job.get("state").asText());
      String jid = job.get("jid").asText();
      JsonNode details = cluster.get("/jobs/" + jid);
      int maxParallelism = 0;
      Set<String> hosts = new TreeSet<>();
      String callVertex = null;
      Map<String, Long> callsByTaskManager = new TreeMap<>();
      for (JsonNode v : details.get("vertices")) {
        maxParallelism = Math.max(maxParallelism, v.get("parallelism").asInt());
        String vid = v.get("id").asText();
        for (JsonNode tm : cluster.get("/jobs/" + jid + "/vertices/" + vid + "/taskmanagers")
            .get("taskmanagers")) {
          hosts.add(tm.get("taskmanager-id").asText());
        }
        // The stateful OpenAiCallFn runs in CallApi's GroupReduce (its outputs are other vertices).
        if (v.get("name").asText().contains("CallOpenAi/CallApi)")) {
          callVertex = v.get("name").asText();
          assertEquals(PARALLELISM, v.get("parallelism").asInt(), "parallelism of " + callVertex);
          for (JsonNode st : cluster.get("/jobs/" + jid + "/vertices/" + vid).get("subtasks")) {
            callsByTaskManager.merge(st.get("taskmanager-id").asText(),
                st.get("metrics").get("read-records").asLong(), Long::sum);
          }
        }
      }
      assertNotNull(callVertex,
          "no vertex makes the calls: " + details.get("vertices").findValuesAsText("name"));
      assertEquals(PARALLELISM, maxParallelism);
      assertEquals(new TreeSet<>(cluster.taskManagerNames()), hosts, "TaskManagers that ran the job");
      long self = ProcessHandle.current().pid();
      long jm = cluster.pid("jobmanager");
      Map<String, Long> tmPids = new HashMap<>();
      for (String tm : cluster.taskManagerNames()) {
        long pid = cluster.pid(tm);
        assertTrue(commandLine(pid).contains("org.apache.flink.runtime.taskexecutor.TaskManagerRunner"),
            tm + " pid " + pid + " is not a TaskManager");
        assertNotEquals(self, pid);
        assertNotEquals(client.pid(), pid);
        tmPids.put(tm, pid);
      }
      assertEquals(TASK_MANAGERS, new HashSet<>(tmPids.values()).size());
      assertTrue(commandLine(jm).contains("StandaloneSessionClusterEntrypoint"));

      // The one budget held across the TaskManagers.
      EmulatorStats s = emu.stats();
      long perWindow = RPM / 60;
      assertTrue(s.rateLimited() <= s.received() / 100,
          "429s " + s.rateLimited() + " of " + s.received() + " calls");
      assertEquals(0, s.repeatedAfterSuccess(), "rows paid twice");

      // Every row exactly once in results + failures.
      List<JsonNode> results = lines(dir.resolve("out"), "results");
      List<JsonNode> failures = lines(dir.resolve("out"), "failures");
      Map<String, Integer> seen = new HashMap<>();
      for (JsonNode r : results) {
        seen.merge(r.get("id").asText(), 1, Integer::sum);
      }
      for (JsonNode f : failures) {
        seen.merge(f.get("id").asText(), 1, Integer::sum);
      }
      Set<String> expected = new HashSet<>();
      for (int i = 1; i <= ROWS + 1; i++) {
        expected.add("in.jsonl:" + i);
      }
      assertEquals(expected, seen.keySet(), "ids in results + failures");
      seen.forEach((id, n) -> assertEquals(1, n, "copies of " + id));
      assertEquals(ROWS, results.size());
      assertEquals(1, failures.size());
      assertEquals(ROWS, s.accepted(), "calls the emulator accepted");
      assertEquals(ROWS, callsByTaskManager.values().stream().mapToLong(Long::longValue).sum(),
          "rows into the calling step, by TaskManager: " + callsByTaskManager);

      System.out.printf(Locale.ROOT,
          "FlinkClusterIT: JobManager pid %d, TaskManager pids %s, test JVM pid %d, client pid %d%n"
              + "FlinkClusterIT: job %s %s, max vertex parallelism %d (calls in '%s' at %d),"
              + " subtasks on %s; rows into the calling step by TaskManager %s%n"
              + "FlinkClusterIT: rows %d = results %d + failures %d, each id once%n"
              + "FlinkClusterIT: emulator calls %d, accepted %d, 429s %d (%.2f%%),"
              + " max accepted in any sliding 1 s window %d (limit %d per window; a token bucket"
              + " of one window admits up to %d in a sliding one: a full bucket plus its refill)%n"
              + "FlinkClusterIT: accepted span %.1f s; cluster up in %.1f s, submit-to-exit %.1f s,"
              + " test wall %.1f s%n",
          jm, tmPids, self, client.pid(), jid, job.get("state").asText(), maxParallelism,
          callVertex, PARALLELISM, hosts, callsByTaskManager, ROWS + 1, results.size(),
          failures.size(), s.received(),
          s.accepted(), s.rateLimited(), 100.0 * s.rateLimited() / Math.max(1, s.received()),
          s.maxAcceptedInAnyWindow(), perWindow, 2 * perWindow,
          (s.lastAcceptedNanos() - s.firstAcceptedNanos()) / 1e9, clusterUpSeconds, jobSeconds,
          (System.nanoTime() - started) / 1e9);
    }
    // Closing the cluster ran flink-cluster.sh stop: none of its processes is left.
    for (long pid : clusterPids) {
      assertTrue(ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true), "still running: " + pid);
    }
  }

  private static JsonNode findJob(FlinkSessionCluster cluster, String name)
      throws IOException, InterruptedException {
    for (JsonNode j : cluster.get("/jobs/overview").get("jobs")) {
      if (j.get("name").asText().equals(name)) {
        return j;
      }
    }
    return null;
  }

  private static String commandLine(long pid) throws IOException {
    return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8)
        .replace('\0', ' ');
  }

  private static List<JsonNode> lines(Path dir, String prefix) throws IOException {
    return dev.openaibeam.testing.JsonlFiles.lines(dir.resolve(prefix));
  }
}
