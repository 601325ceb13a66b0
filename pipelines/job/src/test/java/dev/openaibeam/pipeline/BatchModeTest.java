package dev.openaibeam.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openaibeam.batch.OnlineOrBatch;
import dev.openaibeam.cost.PriceTable;
import dev.openaibeam.cost.PricingMode;
import dev.openaibeam.cost.TokenUsage;
import dev.openaibeam.cost.Usd;
import dev.openaibeam.emulator.BatchBehaviour;
import dev.openaibeam.emulator.BatchStats;
import dev.openaibeam.emulator.EmulatorConfig;
import dev.openaibeam.emulator.OpenAiEmulator;
import dev.openaibeam.pipeline.OpenAiBeamMain;
import dev.openaibeam.pipeline.OpenAiBeamOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Batch API path end to end: the JSONL job with {@code --mode=batch} (and {@code auto}) on the
 * direct runner against the emulator's Files and Batches endpoints, with short delays.
 */
class BatchModeTest {
  private static final String KEY = "sk-batch-test-secret-7777";
  private static final ObjectMapper JSON = new ObjectMapper();

  private static BatchBehaviour fast() {
    return BatchBehaviour.defaults().with("validatingMs", "20").with("inProgressMs", "60")
        .with("finalizingMs", "20");
  }

  /** One emulator for the class (starting one warms its tokenizers up, seconds on a busy machine). */
  private static OpenAiEmulator shared;

  @BeforeAll
  static void startEmulator() throws Exception {
    shared = OpenAiEmulator.start(EmulatorConfig.builder().acceptedKeys(Set.of(KEY)).build());
  }

  @AfterAll
  static void stopEmulator() {
    shared.close();
  }

  /** The shared emulator, counters zeroed, batches behaving as {@code b}. */
  private static OpenAiEmulator emulator(BatchBehaviour b) {
    shared.resetStats();
    shared.setBatchBehaviour(b);
    return shared;
  }

  private static OpenAiBeamOptions options(Path dir, Path input, OpenAiEmulator emu, String... extra)
      throws Exception {
    Path key = dir.resolve("key.txt");
    if (!Files.exists(key)) {
      Files.writeString(key, KEY);
    }
    List<String> args = new ArrayList<>(List.of(
        "--input=" + input,
        "--output=" + dir.resolve("out/results"),
        "--failures=" + dir.resolve("out/failures"),
        "--baseUrl=" + emu.baseUrl(),
        "--apiKeyFile=" + key,
        "--outputShards=1",
        "--batchPollSeconds=0.05"));
    args.addAll(List.of(extra));
    if (args.stream().noneMatch(a -> a.startsWith("--mode="))) {
      args.add("--mode=batch");
    }
    PipelineOptionsFactory.register(OpenAiBeamOptions.class);
    return PipelineOptionsFactory.fromArgs(args.toArray(new String[0])).withValidation()
        .as(OpenAiBeamOptions.class);
  }

  /** {@code rows} chat lines (ids in.jsonl:1..), one embedding, one malformed line. */
  private static Path input(Path dir, int rows, String model) throws Exception {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < rows; i++) {
      lines.add("{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"q" + i
          + "\"}],\"max_tokens\":5,\"metadata\":{\"n\":" + i + "}}");
    }
    Path p = dir.resolve("in.jsonl");
    Files.write(p, lines, StandardCharsets.UTF_8);
    return p;
  }

  static List<JsonNode> lines(Path prefix) throws Exception {
    return dev.openaibeam.testing.JsonlFiles.lines(prefix);
  }

  /** Results and failures by id; fails on an id written twice. */
  private static Map<String, JsonNode> byId(List<JsonNode> results, List<JsonNode> failures) {
    Map<String, JsonNode> m = new HashMap<>();
    for (JsonNode n : results) {
      assertTrue(m.put(n.get("id").asText(), n) == null, "written twice: " + n.get("id"));
    }
    for (JsonNode n : failures) {
      assertTrue(m.put(n.get("id").asText(), n) == null, "written twice: " + n.get("id"));
    }
    return m;
  }

  @Test
  void wholeFlowThroughTheJsonlJob(@TempDir Path dir) throws Exception {
    {
      OpenAiEmulator emu = emulator(fast());
      List<String> lines = new ArrayList<>();
      for (int i = 0; i < 110; i++) {
        lines.add("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"q" + i
            + "\"}],\"max_tokens\":5,\"metadata\":{\"n\":" + i + "}}");
      }
      lines.add("{\"url\":\"/v1/embeddings\",\"custom_id\":\"emb-1\",\"model\":\"text-embedding-3-small\","
          + "\"input\":\"hello\",\"metadata\":{\"doc\":\"a\"}}");
      lines.add("not json at all");
      Path in = dir.resolve("in.jsonl");
      Files.write(in, lines, StandardCharsets.UTF_8);

      java.io.PrintStream stdout = System.out;
      java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
      System.setOut(new java.io.PrintStream(printed, true, StandardCharsets.UTF_8));
      try {
        assertEquals(0, OpenAiBeamMain.run(options(dir, in, emu, "--batchMaxRequestsPerFile=40")));
      } finally {
        System.setOut(stdout);
      }

      List<JsonNode> results = lines(dir.resolve("out/results"));
      // The spend report prices every answer's usage at the batch discount.
      long batchNanos = 0;
      for (JsonNode r : results) {
        batchNanos += PriceTable.bundled().lookup(r.get("request").get("model").asText()).orElseThrow()
            .price().nanoUsd(TokenUsage.fromResponse(r.get("response")).orElseThrow(), PricingMode.BATCH);
      }
      assertTrue(batchNanos > 0);
      String summary = printed.toString(StandardCharsets.UTF_8);
      assertTrue(summary.contains("spend          " + Usd.format(batchNanos) + " "), summary);
      List<JsonNode> failures = lines(dir.resolve("out/failures"));
      Map<String, JsonNode> all = byId(results, failures);
      assertEquals(111, results.size());
      assertEquals(1, failures.size());
      assertEquals(112, all.size());
      for (JsonNode r : results) {
        for (String f : List.of("id", "metadata", "request", "response", "attempts", "latency_ms", "endpoint")) {
          assertTrue(r.has(f), "missing " + f + " in " + r);
        }
        // The answer is the emulator's answer to exactly this request body.
        assertTrue(r.get("response").toString().contains(OpenAiEmulator.digest(r.get("request").toString())),
            "foreign answer in " + r);
        assertEquals(1, r.get("attempts").asInt());
      }
      assertEquals(7, all.get("in.jsonl:8").get("metadata").get("n").asInt());
      assertEquals("/v1/embeddings", all.get("emb-1").get("endpoint").asText());
      assertTrue(all.get("in.jsonl:112").has("source"));

      BatchStats s = emu.batchStats();
      // 110 chats in files of <= 40 (at least 3 files) + 1 embeddings file; one batch per file.
      assertTrue(s.filesUploaded() >= 4, "files " + s.filesUploaded());
      assertEquals(s.filesUploaded(), s.batchesCreated());
      assertEquals(111, s.linesAnswered());
      assertEquals(0, emu.stats().accepted(), "online endpoints were called");
      // The key appears in no output and no state file.
      try (Stream<Path> files = Files.walk(dir.resolve("out"))) {
        for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
          assertFalse(Files.readString(f).contains(KEY), "key written to " + f);
        }
      }
      try (Stream<Path> states = Files.list(dir.resolve("out/results.batches"))) {
        assertEquals(s.batchesCreated(), states.filter(p -> p.getFileName().toString().startsWith("chunk-")).count());
      }
    }
  }

  @Test
  void perLineFailuresBecomeFailuresWithTheServicesError(@TempDir Path dir) throws Exception {
    {
      OpenAiEmulator emu = emulator(fast().with("lineFailureRate", "0.25").with("seed", "5"));
      Path in = input(dir, 60, "gpt-4o-mini");
      Files.writeString(in, "{\"model\":\"does-not-exist\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}\n",
          java.nio.file.StandardOpenOption.APPEND);
      assertEquals(0, OpenAiBeamMain.run(options(dir, in, emu)));
      List<JsonNode> results = lines(dir.resolve("out/results"));
      List<JsonNode> failures = lines(dir.resolve("out/failures"));
      assertEquals(61, byId(results, failures).size());
      long failed500 = failures.stream().filter(f -> f.get("error").get("status").asInt() == 500).count();
      assertTrue(failed500 >= 5 && failed500 <= 30, "500s: " + failed500);
      assertEquals(failed500 + 1, emu.batchStats().lineFailures());
      JsonNode missing = failures.stream().filter(f -> f.get("id").asText().equals("in.jsonl:61")).findFirst().get();
      assertEquals(404, missing.get("error").get("status").asInt());
      assertEquals("model_not_found", missing.get("error").get("code").asText());
      assertTrue(missing.get("error").get("x_request_id").asText().startsWith("req_"));
      // Per-line errors are final: nothing was resubmitted.
      assertEquals(1, emu.batchStats().batchesCreated());
    }
  }

  @Test
  void expiredBatchesAreResubmittedUntilEveryRowIsAnswered(@TempDir Path dir) throws Exception {
    for (String omit : List.of("false", "true")) {
      Path d = dir.resolve("omit-" + omit);
      Files.createDirectories(d);
      {
      OpenAiEmulator emu = emulator(fast().with("expireAfterLines", "12").with("omitUnfinished", omit));
        Path in = input(d, 30, "gpt-4o-mini");
        assertEquals(0, OpenAiBeamMain.run(options(d, in, emu)));
        List<JsonNode> results = lines(d.resolve("out/results"));
        assertEquals(30, byId(results, lines(d.resolve("out/failures"))).size());
        assertEquals(30, results.size(), "omitUnfinished=" + omit);
        // 12 + 12 + 6: three batches, every line answered once.
        assertEquals(3, emu.batchStats().batchesCreated());
        assertEquals(30, emu.batchStats().linesAnswered());
        assertEquals(Set.of(1, 2, 3), results.stream().map(r -> r.get("attempts").asInt()).collect(java.util.stream.Collectors.toSet()));
      }
    }
  }

  @Test
  void whatTheRoundsDoNotAnswerBecomesReplayableFailures(@TempDir Path dir) throws Exception {
    {
      OpenAiEmulator emu = emulator(fast().with("expireAfterLines", "12"));
      Path in = input(dir, 30, "gpt-4o-mini");
      assertEquals(0, OpenAiBeamMain.run(options(dir, in, emu, "--batchMaxRounds=2")));
      List<JsonNode> results = lines(dir.resolve("out/results"));
      List<JsonNode> failures = lines(dir.resolve("out/failures"));
      assertEquals(30, byId(results, failures).size());
      assertEquals(24, results.size());
      assertEquals(6, failures.size());
      for (JsonNode f : failures) {
        assertEquals("batch_incomplete", f.get("error").get("type").asText());
        assertTrue(f.get("request").has("messages"), "not replayable: " + f);
      }
    }
  }

  @Test
  void cancelledBatchKeepsWhatRanAndFailsTheRest(@TempDir Path dir) throws Exception {
    {
      OpenAiEmulator emu = emulator(fast().with("cancelAfterLines", "10"));
      Path in = input(dir, 30, "gpt-4o-mini");
      assertEquals(0, OpenAiBeamMain.run(options(dir, in, emu)));
      List<JsonNode> results = lines(dir.resolve("out/results"));
      List<JsonNode> failures = lines(dir.resolve("out/failures"));
      assertEquals(30, byId(results, failures).size());
      assertEquals(10, results.size());
      assertEquals(20, failures.size());
      for (JsonNode f : failures) {
        assertEquals("batch_cancelled", f.get("error").get("code").asText());
        assertTrue(f.get("error").get("message").asText().contains("replay"), f.toString());
      }
      assertEquals(1, emu.batchStats().batchesCreated(), "a cancelled batch is not resubmitted");
    }
  }

  @Test
  void failedValidationFailsEveryRowWithTheReason(@TempDir Path dir) throws Exception {
    {
      OpenAiEmulator emu = emulator(fast().with("tokenLimit", "50"));
      Path in = input(dir, 20, "gpt-4o-mini");
      assertEquals(0, OpenAiBeamMain.run(options(dir, in, emu)));
      List<JsonNode> failures = lines(dir.resolve("out/failures"));
      assertTrue(lines(dir.resolve("out/results")).isEmpty());
      assertEquals(20, failures.size());
      for (JsonNode f : failures) {
        assertEquals("token_limit_exceeded", f.get("error").get("code").asText());
        assertTrue(f.get("error").get("message").asText().contains("Enqueued token limit"), f.toString());
      }
    }
  }

  @Test
  void restartedRunReattachesInsteadOfSubmittingAgain(@TempDir Path dir) throws Exception {
    {
      OpenAiEmulator emu = emulator(fast().with("inProgressMs", "4000"));
      Path in = input(dir, 90, "gpt-4o-mini");
      // First run: gives up waiting after 0.5 s; its batches keep running at the service.
      int first = OpenAiBeamMain.run(options(dir, in, emu, "--batchMaxRequestsPerFile=40",
          "--batchMaxWaitMinutes=0"));
      assertNotEquals(0, first);
      BatchStats afterFirst = emu.batchStats();
      assertTrue(afterFirst.batchesCreated() >= 3, "created " + afterFirst.batchesCreated());
      assertEquals(afterFirst.filesUploaded(), afterFirst.batchesCreated());
      assertEquals(0, afterFirst.linesAnswered());
      assertTrue(lines(dir.resolve("out/results")).isEmpty());

      // Second run, same input and state directory: polls the same batches.
      assertEquals(0, OpenAiBeamMain.run(options(dir, in, emu, "--batchMaxRequestsPerFile=40")));
      BatchStats afterSecond = emu.batchStats();
      assertEquals(afterFirst.filesUploaded(), afterSecond.filesUploaded(), "uploaded again");
      assertEquals(afterFirst.batchesCreated(), afterSecond.batchesCreated(), "created again");
      assertEquals(90, afterSecond.linesAnswered());
      List<JsonNode> results = lines(dir.resolve("out/results"));
      assertEquals(90, byId(results, lines(dir.resolve("out/failures"))).size());
      assertEquals(90, results.size());
    }
  }

  @Test
  void autoPicksBatchOnlyForLargeInputsAndAcceptedLatency(@TempDir Path dir) throws Exception {
    {
      OpenAiEmulator emu = emulator(fast());
      Path in = input(dir, 30, "gpt-4o-mini");
      record Case(String name, String minRows, String latency, boolean batch) {}
      for (Case c : List.of(
          new Case("large-patient", "20", "24", true),
          new Case("small-patient", "31", "48", false),
          new Case("large-hurried", "20", "2", false))) {
        Path d = dir.resolve(c.name());
        Files.createDirectories(d);
        long batchesBefore = emu.batchStats().batchesCreated();
        long onlineBefore = emu.stats().accepted();
        assertEquals(0, OpenAiBeamMain.run(options(d, in, emu, "--mode=auto",
            "--autoBatchMinRows=" + c.minRows(), "--maxLatencyHours=" + c.latency())));
        assertEquals(30, lines(d.resolve("out/results")).size(), c.name());
        assertEquals(c.batch() ? 1 : 0, emu.batchStats().batchesCreated() - batchesBefore, c.name());
        assertEquals(c.batch() ? 0 : 30, emu.stats().accepted() - onlineBefore, c.name());
      }
      assertTrue(OnlineOrBatch.batchFor(10_000, 10_000, 24));
      assertFalse(OnlineOrBatch.batchFor(9_999, 10_000, 24));
      assertFalse(OnlineOrBatch.batchFor(1_000_000, 10_000, 23.9));
    }
  }

  @Test
  void invalidKeyStopsTheRunWithExitCode2(@TempDir Path dir) throws Exception {
    {
      OpenAiEmulator emu = emulator(fast());
      Path in = input(dir, 5, "gpt-4o-mini");
      Files.writeString(dir.resolve("key.txt"), "sk-wrong-key-000000");
      assertEquals(2, OpenAiBeamMain.run(options(dir, in, emu)));
      assertEquals(0, emu.batchStats().filesUploaded());
    }
  }

  @Test
  void optionsTheBatchPathCannotHonourAreRefusedNotIgnored(@TempDir Path dir) throws Exception {
    OpenAiEmulator emu = emulator(fast());
    Path in = input(dir, 5, "gpt-4o-mini");
    assertEquals(1, OpenAiBeamMain.run(options(dir, in, emu, "--maxCostUsd=1")));
    assertEquals(1, OpenAiBeamMain.run(options(dir, in, emu, "--azureApiVersion=2024-10-21")));
    assertEquals(1, OpenAiBeamMain.run(
        options(dir, in, emu, "--mode=auto", "--maxLatencyHours=24", "--maxCostUsd=1")));
    assertEquals(0, emu.batchStats().httpCalls());
    assertEquals(0, emu.stats().received());
    // auto that cannot pick batch (answers wanted sooner than 24 h) keeps the cap: online only.
    assertEquals(0, OpenAiBeamMain.run(
        options(dir, in, emu, "--mode=auto", "--maxLatencyHours=1", "--maxCostUsd=1")));
    assertEquals(5, emu.stats().accepted());
  }
}
