package dev.openaibeam.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openaibeam.emulator.EmulatorConfig;
import dev.openaibeam.emulator.LatencyModel;
import dev.openaibeam.emulator.OpenAiEmulator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files dropped into the watched folder, one a second, while the engine runs: every line is
 * answered on the results topic within its budget wait plus 5 s of its file landing. The issue's
 * figure is a minute of files ({@code -Dwatch.seconds=60}); the suite drops them for 15 s.
 */
class WatchedFolderTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final int SECONDS = Integer.getInteger("watch.seconds", 15);
  static final int LINES_PER_FILE = 5;

  @TempDir Path dir;

  @Test
  void givenFilesDroppedEverySecond_eachLineAnsweredWithinBudgetWaitPlusFiveSeconds() throws Exception {
    Path watched = Files.createDirectories(dir.resolve("inbox"));
    Path staging = Files.createDirectories(dir.resolve("staging"));
    EmulatorConfig cfg = EmulatorConfig.builder().rpm(6_000).windowSeconds(1)
        .latency(LatencyModel.fixed(50)).build();
    KafkaBroker broker = KafkaBroker.shared();
    try (OpenAiEmulator emu = OpenAiEmulator.start(cfg);
        Engine engine = Engine.start(EngineOnKafkaTest.options(dir, broker.bootstrap(), emu, "watch",
            "--frontDoorPort=-1", "--rpm=6000", "--input=" + watched + "/*.jsonl"))) {
      Thread.sleep(5_000); // the job is running and has looked at the empty folder
      Map<String, Long> landed = new HashMap<>();
      for (int s = 0; s < SECONDS; s++) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < LINES_PER_FILE; i++) {
          String id = "f" + s + "-" + i;
          lines.add("{\"custom_id\":\"" + id + "\",\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":"
              + "\"user\",\"content\":\"" + id + "\"}],\"max_tokens\":5}");
        }
        Path file = staging.resolve("drop-" + s + ".jsonl");
        Files.write(file, lines, StandardCharsets.UTF_8);
        // Moved in whole, so the watch never sees half a file.
        Files.move(file, watched.resolve(file.getFileName()), StandardCopyOption.ATOMIC_MOVE);
        long now = System.currentTimeMillis();
        for (int i = 0; i < LINES_PER_FILE; i++) {
          landed.put("f" + s + "-" + i, now);
        }
        Thread.sleep(1_000);
      }
      int total = SECONDS * LINES_PER_FILE;
      List<ConsumerRecord<String, String>> results =
          broker.consume("watch-results", total, Duration.ofSeconds(60));
      Map<String, Long> answeredAfter = new HashMap<>();
      long worst = 0;
      for (ConsumerRecord<String, String> r : results) {
        JsonNode line = JSON.readTree(r.value());
        long after = r.timestamp() - landed.get(r.key());
        assertTrue(answeredAfter.put(r.key(), after) == null, "answered twice: " + r.key());
        assertTrue(line.get("response").toString().contains(r.key()), "its own answer: " + r.key());
        worst = Math.max(worst, after);
      }
      System.out.printf("watched folder: %d files, %d lines, answered %d, slowest %d ms after landing%n",
          SECONDS, total, answeredAfter.size(), worst);
      assertEquals(total, answeredAfter.size(), "every line answered");
      // The budget (6,000 RPM) serves 5 lines a second at once: no budget wait to add.
      assertTrue(worst <= 5_000, "slowest line answered " + worst + " ms after landing");
    }
  }
}
