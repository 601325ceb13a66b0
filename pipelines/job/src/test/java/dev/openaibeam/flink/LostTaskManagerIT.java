package dev.openaibeam.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.openaibeam.emulator.EmulatorConfig;
import dev.openaibeam.emulator.EmulatorStats;
import dev.openaibeam.emulator.LatencyModel;
import dev.openaibeam.emulator.OpenAiEmulator;
import dev.openaibeam.testing.JsonlFiles;
import dev.openaibeam.testing.ProjectRoot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A TaskManager killed (SIGKILL) while a batch job on the session cluster is making its calls: the
 * job restarts on the slots left and finishes, every row comes out once, and the rows answered
 * before the loss are replayed from the result journal, so only calls in flight on the lost
 * worker are paid twice. Then the same command with {@code --resume} runs on the one TaskManager
 * left (half the slots it asks for) and finishes without a call.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class LostTaskManagerIT {
  // -DlostTaskManager.rows=6000 for the size.
  private static final int ROWS = Integer.getInteger("lostTaskManager.rows", 3_000);
  private static final long RPM = 6_000; // 100 a second: about 30 s of calls
  private static final String KEY = "sk-lost-taskmanager-it-5150";

  @Test
  void givenATaskManagerKilledMidRun_theJobFinishesAndPaysTwiceOnlyForCallsInFlight()
      throws Exception {
    Path root = ProjectRoot.get();
    Path target = root.resolve("target");
    Path dir = Files.createTempDirectory(Files.createDirectories(target), "lost-tm-it-");
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) {
      lines.add("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"row " + i
          + "\"}],\"max_tokens\":5}");
    }
    Path input = dir.resolve("in.jsonl");
    Files.write(input, lines, StandardCharsets.UTF_8);
    Path keyFile = dir.resolve("key.txt");
    Files.writeString(keyFile, KEY);

    EmulatorConfig cfg =
        EmulatorConfig.builder().rpm(RPM).windowSeconds(1).latency(LatencyModel.fixed(200)).build();
    try (OpenAiEmulator emu = OpenAiEmulator.start(cfg);
        FlinkSessionCluster cluster = FlinkSessionCluster.start(
            root, target.resolve("lost-tm-it-cluster"), 2, Duration.ofMinutes(4))) {
      List<String> args = List.of(
          "--flinkMaster=" + cluster.master(), "--parallelism=4", "--budgetShards=4",
          "--input=" + input, "--output=" + dir.resolve("out/results"),
          "--failures=" + dir.resolve("out/failures"), "--baseUrl=" + emu.baseUrl(),
          "--apiKeyFile=" + keyFile, "--rpm=" + RPM, "--rateLimitWindowSeconds=1");
      Path log = dir.resolve("run-flink.out");
      Process client = submit(root, args, log);

      // A third of the rows answered: the calls are under way on both TaskManagers.
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
      while (emu.stats().accepted() < ROWS / 3 && client.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      long lost = cluster.pid("taskmanager-2");
      long answeredAtKill = emu.stats().accepted();
      ProcessHandle.of(lost).ifPresent(ProcessHandle::destroyForcibly);
      assertTrue(client.waitFor(6, TimeUnit.MINUTES), "the job did not finish:\n" + Files.readString(log));
      String out = Files.readString(log);
      System.out.println(out);
      assertEquals(0, client.exitValue(), "exit code; logs in " + cluster.logDir());

      Map<String, Integer> seen = new HashMap<>();
      for (JsonNode r : JsonlFiles.lines(dir.resolve("out/results"))) {
        seen.merge(r.get("id").asText(), 1, Integer::sum);
      }
      assertEquals(ROWS, seen.size(), "rows answered");
      seen.forEach((id, n) -> assertEquals(1, n, "copies of " + id));
      assertEquals(0, JsonlFiles.lines(dir.resolve("out/failures")).size());
      EmulatorStats s = emu.stats();
      // In flight at the kill: at most 100 calls a second x 0.2 s, on both TaskManagers.
      assertTrue(s.repeatedAfterSuccess() <= 40,
          "rows paid twice: " + s.repeatedAfterSuccess() + " (answered before the kill " + answeredAtKill + ")");
      System.out.printf(Locale.ROOT, "LostTaskManagerIT: killed pid %d after %d answers; calls %d,"
              + " accepted %d, paid twice %d, 429s %d; every one of %d rows once%n",
          lost, answeredAtKill, s.received(), s.accepted(), s.repeatedAfterSuccess(),
          s.rateLimited(), ROWS);

      // The same command with --resume on the TaskManager left: nothing to call, it finishes.
      long before = emu.stats().received();
      List<String> resume = new ArrayList<>(args);
      resume.add("--resume");
      Process again = submit(root, resume, dir.resolve("resume.out"));
      assertTrue(again.waitFor(5, TimeUnit.MINUTES),
          "the resumed run did not finish:\n" + Files.readString(dir.resolve("resume.out")));
      assertEquals(0, again.exitValue(), Files.readString(dir.resolve("resume.out")));
      assertEquals(before, emu.stats().received(), "calls made by the resumed run");
      assertEquals(ROWS, JsonlFiles.lines(dir.resolve("out/results")).size());
    }
  }

  private static Process submit(Path root, List<String> args, Path log) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(root.resolve("run-scripts/run-flink.sh").toString());
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("OPENAI_BEAM_NO_BUILD", "1");
    pb.environment().put("JAVA_OPTS", "-Xmx1g");
    return pb.start();
  }
}
