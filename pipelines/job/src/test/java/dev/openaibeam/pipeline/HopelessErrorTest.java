package dev.openaibeam.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openaibeam.emulator.EmulatorConfig;
import dev.openaibeam.emulator.OpenAiEmulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An invalid key or an exhausted quota ends the run within seconds with one clear message and exit
 * code 2, after one call, writing no failure row per input and never printing the key.
 */
@Tag("soak")
class HopelessErrorTest {
  private static void runWithKey(Path dir, String key, String expected, Set<String> quotaKeys) throws Exception {
    Files.writeString(dir.resolve("key.txt"), key);
    Path input = OpenAiBeamPipelineTest.writeInput(dir, "in.jsonl",
        OpenAiBeamPipelineTest.mixedInput(2_000).subList(0, 2_000));
    try (OpenAiEmulator emu = OpenAiEmulator.start(EmulatorConfig.builder()
        .acceptedKeys(Set.of("sk-the-right-key")).quotaExhaustedKeys(quotaKeys).build())) {
      long start = System.nanoTime();
      Process p = ResumeAfterCrashTest.launch(dir, input, emu, dir.resolve("run.log"));
      assertTrue(p.waitFor(60, TimeUnit.SECONDS));
      double seconds = (System.nanoTime() - start) / 1e9;
      String log = Files.readString(dir.resolve("run.log"));
      assertEquals(2, p.exitValue(), log);
      assertTrue(log.contains(expected), log);
      assertFalse(log.contains(key), "the key is in the log");
      assertTrue(emu.stats().received() <= 2, "calls: " + emu.stats().received());
      assertTrue(JobFiles.lines(dir.resolve("out/failures")).isEmpty(), "failure rows written");
      System.out.printf("hopeless %s: exit 2 after %.1f s (JVM start included), %d call(s)%n",
          expected, seconds, emu.stats().received());
    }
  }

  @Test
  void invalidKeyStopsTheRun(@TempDir Path dir) throws Exception {
    runWithKey(dir, "sk-wrong-key-000111", "the API key was rejected", Set.of());
  }

  @Test
  void exhaustedQuotaStopsTheRun(@TempDir Path dir) throws Exception {
    runWithKey(dir, "sk-no-money-222333", "no quota or credit left", Set.of("sk-no-money-222333"));
  }
}
