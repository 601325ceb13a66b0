package dev.openaibeam.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openaibeam.emulator.EmulatorConfig;
import dev.openaibeam.emulator.EmulatorStats;
import dev.openaibeam.emulator.LatencyModel;
import dev.openaibeam.emulator.OpenAiEmulator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine end to end on a real broker (its own JVM) and Flink in local mode: requests written to
 * the requests topic are answered on the results topic (or the failures topic), each once, keyed by
 * its id, inside the emulator's budget.
 */
class EngineOnKafkaTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String KEY = "sk-engine-test-key-0042";
  private static KafkaBroker broker;

  @TempDir static Path dir;

  @BeforeAll
  static void startBroker() throws Exception {
    broker = KafkaBroker.shared();
  }

  static EngineOptions options(Path dir, String bootstrap, OpenAiEmulator emu, String topicPrefix,
      String... extra) throws Exception {
    Path key = dir.resolve("key.txt");
    Files.writeString(key, KEY);
    List<String> args = new ArrayList<>(List.of(
        "--bootstrapServers=" + bootstrap,
        "--requestsTopic=" + topicPrefix + "-requests",
        "--resultsTopic=" + topicPrefix + "-results",
        "--failuresTopic=" + topicPrefix + "-failures",
        "--consumerGroup=" + topicPrefix,
        "--baseUrl=" + emu.baseUrl(),
        "--apiKeyFile=" + key,
        "--parallelism=2"));
    args.addAll(List.of(extra));
    PipelineOptionsFactory.register(EngineOptions.class);
    String[] a = args.toArray(new String[0]);
    EngineOptions o = PipelineOptionsFactory.fromArgs(a).as(EngineOptions.class);
    Engine.defaults(o, EngineMain.given(a));
    return o;
  }

  /** Chat requests keyed row-0 .. row-(n-1), each with metadata {"n": i}. */
  static List<Map.Entry<String, String>> chatRecords(int rows) {
    List<Map.Entry<String, String>> records = new ArrayList<>();
    for (int i = 0; i < rows; i++) {
      records.add(Map.entry("row-" + i, "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\","
          + "\"content\":\"q" + i + "\"}],\"max_tokens\":5,\"metadata\":{\"n\":" + i + "}}"));
    }
    return records;
  }

  @Test
  void givenRequestsOnTheTopic_answersEachOnceOnResultsOrFailures() throws Exception {
    int rows = 300;
    EmulatorConfig cfg = EmulatorConfig.builder().rpm(6_000).windowSeconds(1)
        .latency(LatencyModel.fixed(20)).build();
    try (OpenAiEmulator emu = OpenAiEmulator.start(cfg);
        Engine engine = Engine.start(options(dir, broker.bootstrap(), emu, "t1",
            "--frontDoorPort=-1", "--rpm=6000"))) {
      List<Map.Entry<String, String>> records = chatRecords(rows);
      records.add(Map.entry("emb-1", "{\"custom_id\":\"emb-1\",\"method\":\"POST\",\"url\":\"/v1/embeddings\","
          + "\"body\":{\"model\":\"text-embedding-3-small\",\"input\":\"hello\"}}"));
      records.add(Map.entry("bad-1", "not json at all"));
      broker.produce("t1-requests", records);

      List<ConsumerRecord<String, String>> results =
          broker.consume("t1-results", rows + 1, Duration.ofSeconds(120));
      List<ConsumerRecord<String, String>> failures =
          broker.consume("t1-failures", 1, Duration.ofSeconds(30));

      Map<String, JsonNode> byId = new HashMap<>();
      for (ConsumerRecord<String, String> r : results) {
        JsonNode line = JSON.readTree(r.value());
        assertEquals(r.key(), line.get("id").asText(), "record keyed by its row's id");
        assertTrue(byId.put(r.key(), line) == null, "answered twice: " + r.key());
        assertTrue(line.get("response").toString()
                .contains(OpenAiEmulator.digest(line.get("request").toString())),
            "its own answer: " + r.key());
      }
      assertEquals(rows + 1, byId.size(), "every request answered");
      assertEquals(5, byId.get("row-5").get("metadata").get("n").asInt());
      assertEquals(1, failures.size());
      assertEquals("bad-1", failures.get(0).key());
      assertTrue(failures.get(0).value().contains("invalid_json"), failures.get(0).value());
      assertTrue(!String.join("\n", results.stream().map(ConsumerRecord::value).toList()).contains(KEY),
          "the key is never on a topic");
      EmulatorStats s = emu.stats();
      // 301 requests land at once: the budget paces them; at most 1% meet a 429 (as in batch).
      assertTrue(s.rateLimited() <= rows / 100, "upstream 429s: " + s.rateLimited());
    }
  }

  @Test
  void givenOneSlowCall_theOtherAnswersDoNotWaitForIt() throws Exception {
    int rows = 200;
    // Call 1 is the probe; call 2 takes 4 s, every other call 20 ms.
    EmulatorConfig cfg = EmulatorConfig.builder().rpm(60_000).windowSeconds(1)
        .latency(LatencyModel.scripted(20, 20, 4_000)).build();
    try (OpenAiEmulator emu = OpenAiEmulator.start(cfg);
        Engine engine = Engine.start(options(dir, broker.bootstrap(), emu, "slow1",
            "--frontDoorPort=-1", "--budgetShards=1"))) {
      broker.produce("slow1-requests", chatRecords(rows));
      List<ConsumerRecord<String, String>> results =
          broker.consume("slow1-results", rows, Duration.ofSeconds(120));
      assertEquals(rows, results.size());
      long slowest = results.stream().mapToLong(ConsumerRecord::timestamp).max().orElseThrow();
      long before = results.stream().filter(r -> slowest - r.timestamp() > 2_000).count();
      // One key, one instance: had answers left with their bundle, they would wait for the slow one.
      assertTrue(before >= rows / 2, before + " of " + rows + " answers out 2 s before the slow one");
    }
  }
}
