package dev.openaibeam.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.openaibeam.emulator.EmulatorConfig;
import dev.openaibeam.emulator.FaultPlan;
import dev.openaibeam.emulator.LatencyModel;
import dev.openaibeam.emulator.OpenAiEmulator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JSONL job end to end on the direct runner against the emulator. */
class OpenAiBeamPipelineTest {
  private static final String KEY = "sk-pipeline-test-secret-4242";

  static OpenAiBeamOptions options(Path dir, String input, OpenAiEmulator emu, String... extra)
      throws Exception {
    Path key = dir.resolve("key.txt");
    Files.writeString(key, KEY);
    List<String> args = new ArrayList<>(List.of(
        "--input=" + input,
        "--output=" + dir.resolve("out/results"),
        "--failures=" + dir.resolve("out/failures"),
        "--baseUrl=" + emu.baseUrl(),
        "--apiKeyFile=" + key,
        "--outputShards=1"));
    args.addAll(List.of(extra));
    PipelineOptionsFactory.register(OpenAiBeamOptions.class);
    return PipelineOptionsFactory.fromArgs(args.toArray(new String[0]))
        .withValidation()
        .as(OpenAiBeamOptions.class);
  }

  static Path writeInput(Path dir, String name, List<String> lines) throws Exception {
    Path p = dir.resolve(name);
    Files.write(p, lines, StandardCharsets.UTF_8);
    return p;
  }

  static List<String> mixedInput(int chats) {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < chats; i++) {
      lines.add("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"q" + i
          + "\"}],\"max_tokens\":5,\"metadata\":{\"n\":" + i + "}}");
    }
    lines.add("{\"url\":\"/v1/embeddings\",\"custom_id\":\"emb-1\",\"model\":\"text-embedding-3-small\","
        + "\"input\":\"hello\",\"metadata\":{\"doc\":\"a\"}}");
    lines.add("not json at all");
    return lines;
  }

  @Test
  void writesResultsAndFailuresJoinedById(@TempDir Path dir) throws Exception {
    try (OpenAiEmulator emu =
        OpenAiEmulator.start(EmulatorConfig.builder().latency(LatencyModel.fixed(2)).build())) {
      Path input = writeInput(dir, "in.jsonl", mixedInput(50));
      int rc = OpenAiBeamMain.run(options(dir, input.toString(), emu));
      assertEquals(0, rc);

      List<JsonNode> results = JobFiles.lines(dir.resolve("out/results"));
      List<JsonNode> failures = JobFiles.lines(dir.resolve("out/failures"));
      assertEquals(51, results.size());
      assertEquals(1, failures.size());
      Map<String, JsonNode> byId = new HashMap<>();
      for (JsonNode r : results) {
        assertFalse(byId.containsKey(r.get("id").asText()), "duplicate " + r.get("id"));
        byId.put(r.get("id").asText(), r);
        for (String field : List.of("id", "metadata", "request", "response", "attempts", "latency_ms")) {
          assertTrue(r.has(field), "missing " + field + " in " + r);
        }
        String digest = OpenAiEmulator.digest(r.get("request").toString());
        assertTrue(r.get("response").toString().contains(digest), "foreign answer in " + r);
        assertFalse(r.get("request").has("metadata"), "metadata was sent");
      }
      assertEquals(7, byId.get("in.jsonl:8").get("metadata").get("n").asInt());
      assertEquals("a", byId.get("emb-1").get("metadata").get("doc").asText());
      assertFalse(byId.get("emb-1").get("request").has("custom_id"));
      JsonNode bad = failures.get(0);
      assertEquals("in.jsonl:52", bad.get("id").asText());
      assertTrue(bad.get("source").asText().endsWith("in.jsonl:52"), bad.toString());
      assertNotNull(bad.get("error").get("message"));
      try (var files = Files.walk(dir.resolve("out")).filter(Files::isRegularFile)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          assertFalse(Files.readString(f).contains(KEY), "key written to " + f);
        }
      }
    }
  }

  @Test
  void givenAnEarlierRunsFilesWithOtherShards_aRerunReplacesThem(@TempDir Path dir) throws Exception {
    try (OpenAiEmulator emu =
        OpenAiEmulator.start(EmulatorConfig.builder().latency(LatencyModel.fixed(2)).build())) {
      Path input = writeInput(dir, "in.jsonl", mixedInput(30));
      OpenAiBeamOptions first = options(dir, input.toString(), emu);
      first.setOutputShards(3);
      assertEquals(0, OpenAiBeamMain.run(first));
      assertEquals(0, OpenAiBeamMain.run(options(dir, input.toString(), emu, "--resume")));
      assertEquals(31, JobFiles.lines(dir.resolve("out/results")).size(), "results of both runs");
      assertEquals(1, JobFiles.lines(dir.resolve("out/failures")).size());
      assertEquals(31, emu.stats().accepted(), "the resumed run called again");
    }
  }

  @Test
  void failuresReplayAsInput(@TempDir Path dir) throws Exception {
    Path input = writeInput(dir, "in.jsonl", mixedInput(40).subList(0, 41));
    // First run: one attempt per row against a flaky service, so some rows fail.
    try (OpenAiEmulator flaky = OpenAiEmulator.start(EmulatorConfig.builder()
        .faults(FaultPlan.builder().status500(0.4).seed(11).build()).build())) {
      assertEquals(0, OpenAiBeamMain.run(options(dir, input.toString(), flaky, "--maxAttempts=1")));
    }
    List<JsonNode> first = JobFiles.lines(dir.resolve("out/results"));
    List<JsonNode> failed = JobFiles.lines(dir.resolve("out/failures"));
    assertTrue(failed.size() > 5, "expected failures, got " + failed.size());
    assertEquals(41, first.size() + failed.size());

    Path replayDir = dir.resolve("replay");
    Files.createDirectories(replayDir);
    Path failuresFile;
    try (var s = Files.list(dir.resolve("out"))) {
      failuresFile = s.filter(p -> p.getFileName().toString().startsWith("failures")).findFirst().get();
    }
    try (OpenAiEmulator healthy = OpenAiEmulator.start(EmulatorConfig.builder().build())) {
      assertEquals(0, OpenAiBeamMain.run(options(replayDir, failuresFile.toString(), healthy)));
      assertEquals(failed.size(), healthy.stats().received());
    }
    List<JsonNode> second = JobFiles.lines(replayDir.resolve("out/results"));
    assertEquals(failed.size(), second.size());
    assertTrue(JobFiles.lines(replayDir.resolve("out/failures")).isEmpty());
    Set<String> ids = new java.util.HashSet<>();
    for (JsonNode r : first) {
      ids.add(r.get("id").asText());
    }
    for (JsonNode r : second) {
      assertTrue(ids.add(r.get("id").asText()), "answered twice: " + r.get("id"));
      if (r.get("id").asText().equals("emb-1")) {
        assertEquals("a", r.get("metadata").get("doc").asText());
      } else {
        int n = r.get("metadata").get("n").asInt();
        assertEquals("in.jsonl:" + (n + 1), r.get("id").asText());
      }
    }
    assertEquals(41, ids.size());
  }
}
