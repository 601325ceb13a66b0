package dev.openaibeam.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.openaibeam.connection.OpenAiConnection;
import dev.openaibeam.emulator.BatchBehaviour;
import dev.openaibeam.emulator.EmulatorConfig;
import dev.openaibeam.emulator.OpenAiEmulator;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files and settings as users already have them: the Batch API's input format (saved on Windows,
 * with a byte-order mark and CRLF), its output format, and the official SDKs' environment.
 */
class InputFormatsTest {
  private static final String KEY = "sk-formats-test-4242";
  private static final int ROWS = 2000;
  private static OpenAiEmulator emu;

  @BeforeAll
  static void start() throws Exception {
    emu = OpenAiEmulator.start(EmulatorConfig.builder().acceptedKeys(Set.of(KEY))
        .batch(BatchBehaviour.defaults().with("validatingMs", "20").with("inProgressMs", "60")
            .with("finalizingMs", "20"))
        .build());
  }

  @AfterAll
  static void stop() {
    emu.close();
  }

  private static OpenAiBeamOptions options(Path dir, Path input, String... extra) throws Exception {
    Path key = dir.resolve("key.txt");
    Files.writeString(key, KEY);
    List<String> args = new ArrayList<>(List.of("--input=" + input,
        "--output=" + dir.resolve("out/results"), "--failures=" + dir.resolve("out/failures"),
        "--baseUrl=" + emu.baseUrl(), "--apiKeyFile=" + key, "--outputShards=1",
        "--batchPollSeconds=0.05"));
    args.addAll(List.of(extra));
    PipelineOptionsFactory.register(OpenAiBeamOptions.class);
    return PipelineOptionsFactory.fromArgs(args.toArray(new String[0])).withValidation()
        .as(OpenAiBeamOptions.class);
  }

  /** {@value #ROWS} Batch API lines, as Excel or PowerShell save them: a BOM, CRLF line ends. */
  private static Path batchFormatFile(Path dir) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf});
    for (int i = 0; i < ROWS; i++) {
      String line = "{\"custom_id\":\"task-" + i + "\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
          + "\"body\":{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"q" + i
          + "\"}],\"max_tokens\":5}}\r\n";
      out.write(line.getBytes(StandardCharsets.UTF_8));
    }
    Path p = dir.resolve("batch-input.jsonl");
    Files.write(p, out.toByteArray());
    return p;
  }

  /** Every row answered once, joined by its custom_id: {@code idField} names it in the lines. */
  private static Map<String, JsonNode> answeredOnce(Path dir, String idField) throws Exception {
    assertEquals(List.of(), JobFiles.lines(dir.resolve("out/failures")));
    Map<String, JsonNode> byId = new HashMap<>();
    for (JsonNode n : JobFiles.lines(dir.resolve("out/results"))) {
      assertNull(byId.put(n.get(idField).asText(), n), "written twice: " + n);
    }
    assertEquals(ROWS, byId.size());
    for (int i = 0; i < ROWS; i++) {
      assertTrue(byId.containsKey("task-" + i), "task-" + i);
    }
    return byId;
  }

  @Test
  void givenBatchApiLinesOnline_everyRowIsAnsweredOnceInTheBatchOutputFormat(@TempDir Path dir)
      throws Exception {
    emu.resetStats();
    Path input = batchFormatFile(dir);
    assertEquals(0, OpenAiBeamMain.run(options(dir, input, "--outputFormat=batch")));
    Map<String, JsonNode> byId = answeredOnce(dir, "custom_id");
    JsonNode line = byId.get("task-0");
    assertTrue(line.get("id").asText().startsWith("batch_req_"), line.toString());
    assertEquals(200, line.at("/response/status_code").asInt());
    assertTrue(line.at("/response/request_id").isTextual(), line.toString());
    assertEquals("chat.completion", line.at("/response/body/object").asText());
    assertTrue(line.get("error").isNull());
    assertEquals(ROWS, emu.stats().received(), "each row called once");
  }

  @Test
  void givenBatchApiLinesInBatchMode_everyRowIsAnsweredOnce(@TempDir Path dir) throws Exception {
    emu.resetStats();
    Path input = batchFormatFile(dir);
    assertEquals(0, OpenAiBeamMain.run(options(dir, input, "--mode=batch")));
    Map<String, JsonNode> byId = answeredOnce(dir, "id");
    assertTrue(byId.get("task-7").at("/response/choices/0/message/content").isTextual());
    assertEquals("/v1/chat/completions", byId.get("task-7").get("endpoint").asText());
    assertEquals(ROWS, emu.batchStats().linesAnswered(), "each row answered once, by the Batch API");
    assertEquals(0, emu.stats().accepted(), "no online calls in batch mode");
  }

  @Test
  void givenABadLineInBatchFormat_itsFailureReplaysAsInput(@TempDir Path dir) throws Exception {
    Path input = dir.resolve("in.jsonl");
    Files.writeString(input, "{\"custom_id\":\"ok\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
        + "\"body\":{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}\n"
        + "{\"custom_id\":\"bad\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
        + "\"body\":{\"model\":\"does-not-exist\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}\n");
    assertEquals(0, OpenAiBeamMain.run(options(dir, input, "--outputFormat=batch")));
    List<JsonNode> failures = JobFiles.lines(dir.resolve("out/failures"));
    assertEquals(1, failures.size());
    JsonNode f = failures.get(0);
    assertEquals("bad", f.get("custom_id").asText());
    assertEquals(404, f.at("/response/status_code").asInt(), f.toString());
    assertEquals("model_not_found", f.at("/response/body/error/code").asText(), f.toString());
    // The failures file is the next run's input: the same request, the same id.
    Path again = dir.resolve("again");
    Files.createDirectories(again);
    Path replay = again.resolve("replay.jsonl");
    Files.writeString(replay, f.toString() + "\n");
    assertEquals(0, OpenAiBeamMain.run(options(again, replay, "--outputFormat=batch")));
    JsonNode f2 = JobFiles.lines(again.resolve("out/failures")).get(0);
    assertEquals("bad", f2.get("custom_id").asText());
    assertEquals(404, f2.at("/response/status_code").asInt());
  }

  @Test
  void givenTheSdksEnvironment_itIsUsedAndAnOptionWins(@TempDir Path dir) throws Exception {
    Map<String, String> env = Map.of("OPENAI_BASE_URL", "http://127.0.0.1:9/v1",
        "OPENAI_ORG_ID", "org-env", "OPENAI_PROJECT_ID", "proj-env");
    OpenAiBeamOptions fromEnv = PipelineOptionsFactory.fromArgs("--apiKeyEnv=NO_SUCH_VAR")
        .as(OpenAiBeamOptions.class);
    OpenAiConnection c = ConnectionOptions.connectionFrom(fromEnv, env::get);
    assertEquals("http://127.0.0.1:9/v1", c.getBaseUrl());
    assertEquals("org-env", c.getOrganization());
    assertEquals("proj-env", c.getProject());
    String line = ConnectionOptions.Service.of(fromEnv, env::get).describe();
    assertTrue(line.contains("http://127.0.0.1:9/v1 (OPENAI_BASE_URL)") && line.contains("org-env (OPENAI_ORG_ID)"), line);

    OpenAiBeamOptions explicit = PipelineOptionsFactory.fromArgs("--baseUrl=http://127.0.0.1:8/v1",
        "--openaiOrganization=org-opt").as(OpenAiBeamOptions.class);
    OpenAiConnection e = ConnectionOptions.connectionFrom(explicit, env::get);
    assertEquals("http://127.0.0.1:8/v1", e.getBaseUrl());
    assertEquals("org-opt", e.getOrganization());
    assertEquals("proj-env", e.getProject());

    OpenAiConnection none = ConnectionOptions.connectionFrom(
        PipelineOptionsFactory.create().as(OpenAiBeamOptions.class), k -> null);
    assertEquals("https://api.openai.com/v1", none.getBaseUrl());
    assertNull(none.getOrganization());
    assertTrue(ConnectionOptions.Service.of(PipelineOptionsFactory.create().as(OpenAiBeamOptions.class),
        k -> null).describe().contains("organization none; project none"));
  }
}
