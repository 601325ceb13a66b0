package dev.openaibeam.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openaibeam.emulator.EmulatorConfig;
import dev.openaibeam.emulator.LatencyModel;
import dev.openaibeam.emulator.OpenAiEmulator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of the pipeline's JVM mid-run, then the same job with {@code --resume}: every row
 * ends exactly once in the results, and no row whose answer had been journaled is called again.
 */
@Tag("soak")
class ResumeAfterCrashTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int ROWS = 1_200;

  static Process launch(Path dir, Path input, OpenAiEmulator emu, Path log, String... extra)
      throws IOException {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx1g", "-cp", System.getProperty("java.class.path"),
        OpenAiBeamMain.class.getName(),
        "--input=" + input,
        "--output=" + dir.resolve("out/results"),
        "--failures=" + dir.resolve("out/failures"),
        "--baseUrl=" + emu.baseUrl(),
        "--apiKeyFile=" + dir.resolve("key.txt"),
        "--outputShards=1",
        "--rpm=6000"));
    cmd.addAll(List.of(extra));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  private static List<JsonNode> journal(Path dir) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    Path j = dir.resolve("out/results.journal");
    if (!Files.isDirectory(j)) {
      return out;
    }
    try (var files = Files.list(j)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
          try {
            out.add(JSON.readTree(line));
          } catch (IOException cutShort) {
            // the line being written when the JVM died
          }
        }
      }
    }
    return out;
  }

  @Test
  void killMinus9ThenResume(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("key.txt"), "sk-crash");
    Path input = OpenAiBeamPipelineTest.writeInput(dir, "in.jsonl",
        OpenAiBeamPipelineTest.mixedInput(ROWS).subList(0, ROWS));
    try (OpenAiEmulator emu = OpenAiEmulator.start(
        EmulatorConfig.builder().rpm(6000).latency(LatencyModel.fixed(30)).build())) {
      Process first = launch(dir, input, emu, dir.resolve("first.log"));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (journal(dir).size() < 400 && first.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertTrue(first.isAlive(), "the first run ended before it could be killed: "
          + Files.readString(dir.resolve("first.log")));
      first.destroyForcibly(); // SIGKILL
      first.waitFor(30, TimeUnit.SECONDS);
      List<JsonNode> done = journal(dir);
      long calledBeforeKill = emu.stats().received();
      assertTrue(done.size() >= 400 && done.size() < ROWS, "journaled " + done.size());
      assertFalse(Files.list(dir.resolve("out")).anyMatch(p -> p.getFileName().toString().startsWith("results-")),
          "no final results after a crash");
      Set<String> finishedDigests = new HashSet<>();
      for (JsonNode r : done) {
        finishedDigests.add(OpenAiEmulator.digest(r.get("request").toString()));
      }

      emu.resetStats();
      Process second = launch(dir, input, emu, dir.resolve("second.log"), "--resume");
      assertTrue(second.waitFor(180, TimeUnit.SECONDS), "resume did not finish");
      String log = Files.readString(dir.resolve("second.log"));
      assertEquals(0, second.exitValue(), log);
      for (String d : emu.receivedDigests()) {
        assertFalse(finishedDigests.contains(d), "a journaled row was called again");
      }
      assertTrue(emu.stats().received() <= ROWS - done.size() + 50,
          "resume sent " + emu.stats().received() + " for " + (ROWS - done.size()) + " rows left");
      Set<String> ids = new HashSet<>();
      for (JsonNode r : JobFiles.lines(dir.resolve("out/results"))) {
        assertTrue(ids.add(r.get("id").asText()), "twice: " + r.get("id"));
      }
      assertEquals(ROWS, ids.size(), "rows missing after resume");
      assertTrue(log.contains("resumed"), log);
      for (String l : List.of(log, Files.readString(dir.resolve("first.log")))) {
        assertFalse(l.contains("sk-crash"), "the key is in a log");
      }
      System.out.printf("kill -9 resume: %d calls before the kill, %d rows journaled; resume sent %d"
          + " calls for the %d rows left, 0 of them for journaled rows; %d distinct results%n",
          calledBeforeKill, done.size(), emu.stats().received(), ROWS - done.size(), ids.size());
    }
  }

}
