package dev.openaibeam.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.openaibeam.emulator.EmulatorConfig;
import dev.openaibeam.emulator.OpenAiEmulator;
import dev.openaibeam.testing.ProjectRoot;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped bad-input corpus, a gzip input and a 10 MB line: clear reasons, and the run completes. */
class BadInputTest {
  @Test
  void everyBadLineGetsAClearFailureAndTheRestRuns(@TempDir Path dir) throws Exception {
    try (OpenAiEmulator emu = OpenAiEmulator.start(EmulatorConfig.builder().build())) {
      Path corpus = ProjectRoot.resolve("pipelines/examples/bad-input.jsonl");
      assertEquals(0, OpenAiBeamMain.run(
          OpenAiBeamPipelineTest.options(dir, corpus.toString(), emu, "--tpm=1000000")));
      List<JsonNode> results = JobFiles.lines(dir.resolve("out/results"));
      Map<String, String> codes = new HashMap<>();
      for (JsonNode f : JobFiles.lines(dir.resolve("out/failures"))) {
        codes.put(f.get("id").asText(), f.get("error").get("code").asText());
        assertTrue(f.get("error").get("message").asText().length() > 10, "unclear: " + f);
      }
      assertEquals(2, results.size());
      assertEquals(Map.of(
          "bad-input.jsonl:2", "invalid_json",
          "bad-input.jsonl:3", "not_an_object",
          "bad-input.jsonl:4", "missing_model",
          "bad-input.jsonl:5", "wrong_type",
          "bad-input.jsonl:6", "wrong_type",
          "bad-input.jsonl:7", "unknown_endpoint",
          "too-big", "request_too_large",
          "bad-input.jsonl:9", "invalid_utf8",
          "bad-input.jsonl:10", "empty_line",
          // 10 MB of text is ~2.3 million tokens: more than the whole 1,000,000 TPM budget.
          "ten-megabytes", "request_too_large"), codes);
      assertEquals(2, emu.stats().received(), "only the good lines were sent");
    }
  }

  @Test
  void gzipAndATenMegabyteLine(@TempDir Path dir) throws Exception {
    Path input = dir.resolve("docs.jsonl.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(input))) {
      String text = "lorem ipsum dolor sit amet ".repeat(10 * 1024 * 1024 / 27);
      out.write(("{\"custom_id\":\"long\",\"url\":\"/v1/embeddings\",\"model\":\"text-embedding-3-small\","
          + "\"input\":\"" + text + "\"}\n").getBytes(StandardCharsets.UTF_8));
      out.write("{\"custom_id\":\"short\",\"url\":\"/v1/embeddings\",\"model\":\"text-embedding-3-small\",\"input\":\"hi\"}\n"
          .getBytes(StandardCharsets.UTF_8));
    }
    try (OpenAiEmulator emu = OpenAiEmulator.start(EmulatorConfig.builder().build())) {
      assertEquals(0, OpenAiBeamMain.run(OpenAiBeamPipelineTest.options(dir, input.toString(), emu)));
    }
    List<JsonNode> results = JobFiles.lines(dir.resolve("out/results"));
    assertEquals(2, results.size(), "both lines answered");
    for (JsonNode r : results) {
      assertTrue(r.get("response").get("data").isArray());
    }
  }
}
