package dev.openaibeam.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.openaibeam.emulator.EmulatorConfig;
import dev.openaibeam.emulator.LatencyModel;
import dev.openaibeam.emulator.OpenAiEmulator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job with {@code --keysFile}: every row answered by the live members, no key anywhere. */
class KeyPoolJobTest {
  private static final String KEY_A = "sk-pool-job-member-a-5551";
  private static final String KEY_B = "sk-pool-job-member-b-5552";
  private static final String WRONG = "sk-pool-job-wrong-key-5553";

  private static OpenAiBeamOptions options(Path dir, Path input, Path keysFile) {
    PipelineOptionsFactory.register(OpenAiBeamOptions.class);
    return PipelineOptionsFactory.fromArgs(
            "--input=" + input, "--output=" + dir.resolve("out/results"),
            "--failures=" + dir.resolve("out/failures"), "--keysFile=" + keysFile,
            "--outputShards=1", "--progressSeconds=1")
        .withValidation()
        .as(OpenAiBeamOptions.class);
  }

  private static Path keyFile(Path dir, String name, String key) throws Exception {
    Path p = dir.resolve("key-" + name);
    Files.writeString(p, key);
    return p;
  }

  /** What {@code job} printed on stdout and stderr while it ran, and its exit code. */
  record Printed(int rc, String text) {
    static Printed of(Callable<Integer> job) throws Exception {
      PrintStream out = System.out;
      PrintStream err = System.err;
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      PrintStream both = new PrintStream(buf, true, StandardCharsets.UTF_8);
      System.setOut(both);
      System.setErr(both);
      try {
        int rc = job.call();
        return new Printed(rc, buf.toString(StandardCharsets.UTF_8));
      } finally {
        System.setOut(out);
        System.setErr(err);
        System.out.print(buf.toString(StandardCharsets.UTF_8));
      }
    }
  }

  @Test
  void givenAKeysFileWithAWrongKey_everyRowIsAnsweredAndNoKeyIsWrittenOrPrinted(@TempDir Path dir)
      throws Exception {
    EmulatorConfig cfg = EmulatorConfig.builder().acceptedKeys(Set.of(KEY_A, KEY_B))
        .keyLimits(KEY_A, 6000, 0).keyLimits(KEY_B, 3000, 0).windowSeconds(1)
        .latency(LatencyModel.fixed(5)).build();
    try (OpenAiEmulator emu = OpenAiEmulator.start(cfg)) {
      Path keys = dir.resolve("keys.json");
      Files.writeString(keys, "[{\"name\":\"org-a\",\"apiKeyFile\":\"" + keyFile(dir, "a", KEY_A)
          + "\",\"baseUrl\":\"" + emu.baseUrl() + "\",\"rpm\":6000},"
          + "{\"name\":\"org-b\",\"apiKeyFile\":\"" + keyFile(dir, "b", KEY_B)
          + "\",\"baseUrl\":\"" + emu.baseUrl() + "\",\"rpm\":3000},"
          + "{\"name\":\"org-wrong\",\"apiKeyFile\":\"" + keyFile(dir, "w", WRONG)
          + "\",\"baseUrl\":\"" + emu.baseUrl() + "\"}]");
      Path input = OpenAiBeamPipelineTest.writeInput(dir, "in.jsonl",
          OpenAiBeamPipelineTest.mixedInput(300).subList(0, 300));
      Printed run = Printed.of(() -> OpenAiBeamMain.run(options(dir, input, keys)));

      assertEquals(0, run.rc(), run.text());
      List<JsonNode> results = JobFiles.lines(dir.resolve("out/results"));
      Set<String> ids = new HashSet<>();
      results.forEach(r -> ids.add(r.get("id").asText()));
      assertEquals(300, ids.size(), "rows answered once each");
      assertEquals(300, results.size());
      assertEquals(0, JobFiles.lines(dir.resolve("out/failures")).size());
      assertEquals(1, emu.stats().key(WRONG).authErrors(), "calls with the wrong key");
      assertEquals(0, emu.stats().repeatedAfterSuccess(), "a row paid twice");
      assertTrue(run.text().contains("org-wrong"), "the retired member is named:\n" + run.text());
      for (String key : List.of(KEY_A, KEY_B, WRONG)) {
        assertFalse(run.text().contains(key), "a key was printed");
        try (var files = Files.walk(dir.resolve("out")).filter(Files::isRegularFile)) {
          for (Path f : (Iterable<Path>) files::iterator) {
            assertFalse(Files.readString(f).contains(key), "a key written to " + f);
          }
        }
      }
    }
  }

  @Test
  void givenAKeysFileHoldingAKey_theJobRefusesItBeforeAnyCall(@TempDir Path dir) throws Exception {
    try (OpenAiEmulator emu = OpenAiEmulator.start(EmulatorConfig.builder().build())) {
      Path keys = dir.resolve("keys.json");
      Files.writeString(keys, "[{\"name\":\"org-a\",\"apiKey\":\"" + KEY_A + "\",\"baseUrl\":\""
          + emu.baseUrl() + "\"}]");
      Path input = OpenAiBeamPipelineTest.writeInput(dir, "in.jsonl",
          new ArrayList<>(OpenAiBeamPipelineTest.mixedInput(5).subList(0, 5)));
      Printed run = Printed.of(() -> OpenAiBeamMain.run(options(dir, input, keys)));
      assertEquals(1, run.rc(), run.text());
      assertTrue(run.text().contains("member 1") && run.text().contains("apiKey"), run.text());
      assertFalse(run.text().contains(KEY_A), "the key written in the file was printed");
      assertEquals(0, emu.stats().received(), "calls before the file was checked");
    }
  }
}
