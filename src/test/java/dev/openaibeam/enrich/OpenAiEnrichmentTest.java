package dev.openaibeam.enrich;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.google.common.hash.Hashing;
import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.api.ApiResponse;
import dev.openaibeam.call.OpenAiCall;
import dev.openaibeam.call.ResultJournal;
import dev.openaibeam.connection.ApiKeySource;
import dev.openaibeam.connection.OpenAiConnection;
import dev.openaibeam.emulator.EmulatorConfig;
import dev.openaibeam.emulator.LatencyModel;
import dev.openaibeam.emulator.OpenAiEmulator;
import dev.openaibeam.testing.TestKeys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.transforms.Select;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.util.SerializableUtils;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Enrichment inside pipelines that never touch JSONL: rows with a schema in, rows with the answers'
 * fields out, against the in-process emulator, whose answers echo a digest of their request.
 */
@ExtendWith(TestPipelineExtension.class)
class OpenAiEnrichmentTest {
  private static final String KEY = "sk-enrich-test-0123456789";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Schema TICKETS =
      Schema.builder()
          .addStringField("id")
          .addStringField("model")
          .addNullableField("text", FieldType.STRING)
          .build();
  private static final int GOOD_ROWS = 30;

  private static OpenAiEmulator emulator() throws Exception {
    return OpenAiEmulator.start(
        EmulatorConfig.builder().acceptedKeys(Set.of(KEY)).latency(LatencyModel.fixed(5)).build());
  }

  private static <T, O> OpenAiEnrichment<T, O> against(OpenAiEmulator emu, OpenAiEnrichment<T, O> e) {
    return e.withCall(
        OpenAiCall.of(
                OpenAiConnection.to(emu.baseUrl())
                    .withApiKey(TestKeys.file(KEY))
                    .withRequestTimeout(Duration.ofSeconds(10)))
            .withRequestsPerMinute(6_000));
  }

  private static List<Row> rows() {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < GOOD_ROWS; i++) {
      rows.add(Row.withSchema(TICKETS).addValues("r-" + i, "gpt-4o-mini", "Row r-" + i + " asks about order " + (1000 + i)).build());
    }
    rows.add(Row.withSchema(TICKETS).addValues("bad-model", "does-not-exist", "Row bad-model asks").build());
    rows.add(Row.withSchema(TICKETS).addValues("no-text", "gpt-4o-mini", null).build());
    return rows;
  }

  private static Map<String, Row> byId(Iterable<Row> rows) {
    Map<String, Row> out = new HashMap<>();
    for (Row r : rows) {
      assertNull(out.put(r.getString("id"), r), "row " + r.getString("id") + " came out twice");
    }
    return out;
  }

  /** The emulator's embedding of {@code text}: SHA-256 of the JSON input, 8 bytes / 128. */
  private static List<Float> expectedEmbedding(String text) {
    byte[] h = Hashing.sha256().hashString(TextNode.valueOf(text).toString(), StandardCharsets.UTF_8).asBytes();
    List<Float> out = new ArrayList<>();
    for (int j = 0; j < 8; j++) {
      out.add((float) (Math.round((h[j] / 128.0) * 1e6) / 1e6));
    }
    return out;
  }

  @Test
  void rowsGetChatAnswersAndEmbeddingsJoinedToTheRightRow(TestPipeline p) throws Exception {
    try (OpenAiEmulator emu = emulator()) {
      List<Row> input = rows();
      PCollection<Row> tickets = p.apply(Create.of(input).withRowSchema(TICKETS));
      RowChat chat = RowChat.of("gpt-4o-mini", "Answer: {text}").withModelField("model").withMaxTokens(16);

      OpenAiEnrichment.Result<Row, Row> answered =
          tickets.apply("Chat", against(emu, OpenAiEnrichment.rows(chat)));
      OpenAiEnrichment.Result<Row, Row> embedded =
          tickets.apply(
              "Embed",
              against(emu, OpenAiEnrichment.rows(RowEmbeddings.of("text-embedding-3-small", "text"))));

      assertEquals(
          List.of("id", "model", "text", "response", "response_prompt_tokens", "response_completion_tokens"),
          answered.getEnriched().getSchema().getFieldNames());
      PAssert.that(answered.getEnriched())
          .satisfies(
              rs -> {
                Map<String, Row> got = byId(rs);
                assertEquals(GOOD_ROWS, got.size());
                for (int i = 0; i < GOOD_ROWS; i++) {
                  Row in = input.get(i);
                  Row out = got.get(in.getString("id"));
                  assertNotNull(out, in.getString("id"));
                  String body = chat.request(in).getBody();
                  // The answer echoes the digest of the request built from this very row.
                  assertEquals("echo " + OpenAiEmulator.digest(body) + ": " + chat.prompt(in), out.getString("response"));
                  assertEquals(in.getString("text"), out.getString("text"));
                  assertTrue(out.getInt64("response_prompt_tokens") > 0);
                  assertEquals(8L, out.getInt64("response_completion_tokens"));
                }
                return null;
              });
      PAssert.that(answered.getFailures())
          .satisfies(
              fs -> {
                Map<String, EnrichmentFailure<Row>> got = new HashMap<>();
                fs.forEach(f -> got.put(f.getInput().getString("id"), f));
                assertEquals(Set.of("bad-model", "no-text"), got.keySet());
                EnrichmentFailure<Row> bad = got.get("bad-model");
                assertEquals(input.get(GOOD_ROWS), bad.getInput());
                assertEquals(404, bad.getFailure().getError().getStatus());
                assertEquals("model_not_found", bad.getFailure().getError().getCode());
                assertEquals(1, bad.getFailure().getAttempts());
                assertTrue(bad.getFailure().getRequest().getBody().contains("does-not-exist"));
                assertNull(bad.getFailure().getRequest().getMetadata(), "the carried row must not leak");
                EnrichmentFailure<Row> noText = got.get("no-text");
                assertEquals(input.get(GOOD_ROWS + 1), noText.getInput());
                assertEquals("request_build_failed", noText.getFailure().getError().getCode());
                try {
                  // No id function: the id is the hash of the encoded row, also for a build failure.
                  assertEquals(
                      CarriedInput.derivedId(CoderUtils.encodeToByteArray(RowCoder.of(TICKETS), noText.getInput())),
                      noText.getFailure().getRequest().getId());
                } catch (CoderException e) {
                  throw new AssertionError(e);
                }
                assertTrue(noText.getFailure().getError().getMessage().contains("field text is null"));
                assertEquals(0, noText.getFailure().getAttempts());
                return null;
              });

      // A schema transform downstream sees the added fields.
      PCollection<Row> vectors = embedded.getEnriched().apply(Select.fieldNames("id", "embedding"));
      assertEquals(FieldType.array(FieldType.FLOAT), vectors.getSchema().getField("embedding").getType());
      PAssert.that(vectors)
          .satisfies(
              rs -> {
                Map<String, Row> got = byId(rs);
                assertEquals(GOOD_ROWS + 1, got.size());
                for (Row in : input.subList(0, GOOD_ROWS + 1)) {
                  assertEquals(
                      expectedEmbedding(in.getString("text")),
                      new ArrayList<>(got.get(in.getString("id")).getArray("embedding")),
                      in.getString("id"));
                }
                return null;
              });
      PAssert.that(embedded.getFailures())
          .satisfies(
              fs -> {
                List<String> ids = new ArrayList<>();
                fs.forEach(f -> ids.add(f.getInput().getString("id")));
                assertEquals(List.of("no-text"), ids);
                return null;
              });
      p.run().waitUntilFinish();
      // 31 chat calls (30 + the missing model) and 31 embeddings; the null-text row sent nothing.
      assertEquals(2 * (GOOD_ROWS + 1), emu.stats().received());
      assertEquals(0, emu.stats().repeatedAfterSuccess());
    }
  }

  static String body(String word) {
    ObjectNode b = JSON.createObjectNode();
    b.put("model", "gpt-4o-mini");
    b.putArray("messages").addObject().put("role", "user").put("content", "Say " + word);
    b.put("max_tokens", 5);
    return b.toString();
  }

  /** A class, not a lambda, so that the output coder can be inferred from its type arguments. */
  static final class KeyedJoin implements OpenAiEnrichment.JoinFn<KV<String, String>, String> {
    @Override
    public String join(KV<String, String> in, ApiResponse r) {
      if (in.getKey().equals("b")) {
        throw new IllegalStateException("no bananas");
      }
      return in.getKey() + "|" + r.getRequest().getMetadata() + "|" + Responses.text(r.getBody());
    }
  }

  @Test
  void anyElementTypeWithMetadataDuplicatesAndThrowingFunctions(TestPipeline p) throws Exception {
    try (OpenAiEmulator emu = emulator()) {
      PCollection<KV<String, String>> words =
          p.apply(
              Create.of(KV.of("a", "apple"), KV.of("a", "apple"), KV.of("b", "banana"), KV.of("boom", "x"))
                  .withCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of())));
      OpenAiEnrichment.JoinFn<KV<String, String>, String> join = new KeyedJoin();
      OpenAiEnrichment<KV<String, String>, String> enrich =
          against(
              emu,
              OpenAiEnrichment.<KV<String, String>, String>of(
                      kv -> {
                        if (kv.getKey().equals("boom")) {
                          throw new IllegalArgumentException("cannot build " + kv.getValue());
                        }
                        return EnrichmentRequest.of("/v1/chat/completions", body(kv.getValue()))
                            .withMetadata("{\"key\":\"" + kv.getKey() + "\"}");
                      },
                      join)
                  .withIdFn(kv -> "word-" + kv.getKey()));
      OpenAiEnrichment.Result<KV<String, String>, String> result = words.apply(enrich);
      assertEquals(StringUtf8Coder.of(), result.getEnriched().getCoder(), "inferred from the join class");

      String apple = "a|{\"key\":\"a\"}|echo " + OpenAiEmulator.digest(body("apple")) + ": Say apple";
      PAssert.that(result.getEnriched()).containsInAnyOrder(apple, apple);
      PAssert.that(result.getFailures())
          .satisfies(
              fs -> {
                Map<String, EnrichmentFailure<KV<String, String>>> got = new HashMap<>();
                fs.forEach(f -> got.put(f.getInput().getKey(), f));
                assertEquals(Set.of("b", "boom"), got.keySet());
                EnrichmentFailure<KV<String, String>> b = got.get("b");
                assertEquals(KV.of("b", "banana"), b.getInput());
                assertEquals("join_failed", b.getFailure().getError().getCode());
                assertEquals("word-b", b.getFailure().getRequest().getId());
                assertEquals("{\"key\":\"b\"}", b.getFailure().getRequest().getMetadata());
                assertTrue(b.getResponseBody().contains(OpenAiEmulator.digest(body("banana"))));
                EnrichmentFailure<KV<String, String>> boom = got.get("boom");
                assertEquals("request_build_failed", boom.getFailure().getError().getCode());
                assertEquals("word-boom", boom.getFailure().getRequest().getId(), "the id function's id");
                assertEquals("IllegalArgumentException: cannot build x", boom.getFailure().getError().getMessage());
                assertNull(boom.getResponseBody());
                return null;
              });
      p.run().waitUntilFinish();
      assertEquals(3, emu.stats().received()); // apple twice, banana once
    }
  }

  @Test
  void answersStayInTheirElementsWindows(TestPipeline p) throws Exception {
    try (OpenAiEmulator emu = emulator()) {
      PCollection<String> words =
          p.apply(
                  Create.timestamped(
                      TimestampedValue.of("early", new Instant(1_000)),
                      TimestampedValue.of("late", new Instant(61_000))))
              .apply(Window.into(FixedWindows.of(org.joda.time.Duration.standardMinutes(1))));
      PCollection<String> joined =
          words
              .apply(
                  against(
                      emu,
                      OpenAiEnrichment.<String, String>of(
                              w -> EnrichmentRequest.of("/v1/chat/completions", body(w)),
                              (w, r) -> w + ":" + r.getRequest().getBody().equals(body(w)))
                          .withOutputCoder(StringUtf8Coder.of())))
              .getEnriched();
      PAssert.that(joined)
          .inWindow(new IntervalWindow(new Instant(0), new Instant(60_000)))
          .containsInAnyOrder("early:true");
      PAssert.that(joined)
          .inWindow(new IntervalWindow(new Instant(60_000), new Instant(120_000)))
          .containsInAnyOrder("late:true");
      p.run().waitUntilFinish();
    }
  }

  private static ApiResponse answer(String body) {
    return ApiResponse.of(ApiRequest.of("id", "/v1/chat/completions", "{}", null), body, 1, 0);
  }

  @Test
  void answersAreReadInBothUsageShapesFromTextOrTree() throws Exception {
    String chat =
        "{\"choices\":[{\"message\":{\"content\":\"hi\"}}],"
            + "\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3}}";
    String responsesApi =
        "{\"output\":[{\"content\":[{\"type\":\"output_text\",\"text\":\"h\"},"
            + "{\"type\":\"output_text\",\"text\":\"o\"}]}],"
            + "\"usage\":{\"input_tokens\":11,\"output_tokens\":2}}";
    String noUsage = "{\"choices\":[{\"text\":\"plain\"}]}";
    String embedding = "{\"data\":[{\"embedding\":[0.5,-0.25]}],\"usage\":{\"prompt_tokens\":4}}";
    assertEquals("hi", Responses.text(chat));
    assertEquals("hi", Responses.text(Responses.parse(chat)));
    assertEquals(7L, Responses.promptTokens(chat));
    assertEquals(3L, Responses.completionTokens(Responses.parse(chat)));
    assertEquals("ho", Responses.text(responsesApi));
    assertEquals(11L, Responses.promptTokens(Responses.parse(responsesApi)));
    assertEquals(2L, Responses.completionTokens(responsesApi));
    assertEquals("plain", Responses.text(noUsage));
    assertNull(Responses.promptTokens(noUsage));
    assertNull(Responses.completionTokens(Responses.parse(noUsage)));
    assertEquals(List.of(0.5f, -0.25f), Responses.embedding(embedding));
    assertEquals(4L, Responses.promptTokens(Responses.parse(embedding)));

    // The row enrichers read both shapes, and no usage as null tokens.
    Row in = Row.withSchema(TICKETS).addValues("r", "gpt-4o-mini", "t").build();
    RowChat rowChat = RowChat.of("gpt-4o-mini", "{text}");
    Schema chatOut = rowChat.outputSchema(TICKETS);
    Row a = rowChat.join(in, answer(responsesApi), chatOut);
    assertEquals("ho", a.getString("response"));
    assertEquals(11L, a.getInt64("response_prompt_tokens"));
    assertEquals(2L, a.getInt64("response_completion_tokens"));
    Row b = rowChat.join(in, answer(noUsage), chatOut);
    assertEquals("plain", b.getString("response"));
    assertNull(b.getInt64("response_prompt_tokens"));
    assertNull(b.getInt64("response_completion_tokens"));
    RowEmbeddings rowEmbed = RowEmbeddings.of("text-embedding-3-small", "text");
    Row e = rowEmbed.join(in, answer(embedding), rowEmbed.outputSchema(TICKETS));
    assertEquals(List.of(0.5f, -0.25f), new ArrayList<>(e.getArray("embedding")));
    assertEquals(4L, e.getInt64("embedding_tokens"));
  }

  @Test
  void jsonSchemaIsSentAsGivenBeforeAndAfterSerialization() throws Exception {
    String schema =
        "{\"type\":\"object\",\"properties\":{\"label\":{\"type\":\"string\"}},"
            + "\"required\":[\"label\"],\"additionalProperties\":false}";
    RowChat chat = RowChat.of("gpt-4o-mini", "Label: {text}").withJsonSchema("label", schema);
    Row one = Row.withSchema(TICKETS).addValues("1", "m", "first").build();
    Row two = Row.withSchema(TICKETS).addValues("2", "m", "second").build();
    // After a Java round trip (as on a worker) the schema is parsed again, on first use.
    RowChat copy = SerializableUtils.clone(chat);
    for (RowChat c : List.of(chat, copy, chat.withResponseField("label_json"))) {
      for (Row r : List.of(one, two, one)) {
        com.fasterxml.jackson.databind.JsonNode body = JSON.readTree(c.request(r).getBody());
        com.fasterxml.jackson.databind.JsonNode js = body.path("response_format").path("json_schema");
        assertEquals("json_schema", body.path("response_format").path("type").asText());
        assertEquals("label", js.path("name").asText());
        assertTrue(js.path("strict").asBoolean());
        assertEquals(JSON.readTree(schema), js.path("schema"));
        assertEquals("Label: " + r.getString("text"), body.path("messages").path(0).path("content").asText());
      }
    }
    assertEquals(chat.request(two), copy.request(two));
    assertThrows(IllegalArgumentException.class, () -> RowChat.of("m", "{text}").withJsonSchema("x", "[1]"));
    assertThrows(IllegalArgumentException.class, () -> RowChat.of("m", "{text}").withJsonSchema("x", "{nope"));
  }

  @Test
  void displayDataShowsTheCallButNeverTheKey() throws Exception {
    // A real key in a real file: the transform is given where the key is, and must never hold it.
    ApiKeySource keySource = TestKeys.file(KEY);
    assertEquals(KEY, Files.readString(Path.of(keySource.describe().substring("file:".length()))).strip());
    OpenAiEnrichment<Row, Row> e =
        OpenAiEnrichment.rows(RowChat.of("gpt-4o-mini", "Hi {text}"))
            .withCall(OpenAiCall.of(OpenAiConnection.to("http://127.0.0.1:9/v1").withApiKey(keySource))
                .withRequestsPerMinute(1234));
    Set<String> values = new HashSet<>();
    for (DisplayData.Item item : DisplayData.from(e).items()) {
      values.add(String.valueOf(item.getValue()));
    }
    assertTrue(values.contains("http://127.0.0.1:9/v1"), values.toString());
    assertTrue(values.contains("1234"), values.toString());
    assertTrue(values.stream().anyMatch(v -> v.startsWith("chat model=gpt-4o-mini")), values.toString());
    assertTrue(values.contains(keySource.describe()), "shows where the key is: " + values);
    assertFalse(values.stream().anyMatch(v -> v.contains(KEY)));
    // Nor does the serialized transform (what a runner ships to its workers).
    // Uncompressed (SerializableUtils compresses, which could hide the key).
    String serialized = dev.openaibeam.testing.Serialized.text(e);
    assertTrue(serialized.contains("127.0.0.1:9"), "the serialized form is searchable");
    assertFalse(serialized.contains(KEY), "the key is in the serialized transform");
  }

  @Test
  void aCallWithAResultJournalIsRefused(@TempDir Path journalDir) {
    TestPipeline p = TestPipeline.create().enableAbandonedNodeEnforcement(false);
    PCollection<Row> tickets = p.apply(Create.of(rows()).withRowSchema(TICKETS));
    OpenAiCall journaled =
        OpenAiCall.of(OpenAiConnection.openAi()).withJournal(ResultJournal.to(journalDir.toString(), r -> r.getBody()));
    assertTrue(journaled.hasJournal());
    assertFalse(OpenAiCall.of(OpenAiConnection.openAi()).hasJournal());
    OpenAiEnrichment<Row, Row> enrich =
        OpenAiEnrichment.rows(RowChat.of("gpt-4o-mini", "{text}")).withCall(journaled);
    IllegalArgumentException refused =
        assertThrows(IllegalArgumentException.class, () -> tickets.apply(enrich));
    assertTrue(refused.getMessage().contains("result journal"), refused.getMessage());
    IllegalArgumentException invalid = assertThrows(IllegalArgumentException.class, () -> enrich.validate(null));
    assertTrue(invalid.getMessage().contains("result journal"), invalid.getMessage());
  }

  @Test
  void schemaMistakesFailWhenThePipelineIsBuilt() {
    TestPipeline p = TestPipeline.create().enableAbandonedNodeEnforcement(false);
    PCollection<Row> tickets = p.apply(Create.of(rows()).withRowSchema(TICKETS));
    IllegalArgumentException missing =
        assertThrows(
            IllegalArgumentException.class,
            () -> tickets.apply("a", OpenAiEnrichment.rows(RowChat.of("m", "{subject}"))));
    assertTrue(missing.getMessage().contains("no field subject"), missing.getMessage());
    IllegalArgumentException taken =
        assertThrows(
            IllegalArgumentException.class,
            () -> tickets.apply("b", OpenAiEnrichment.rows(RowChat.of("m", "{text}").withResponseField("model"))));
    assertTrue(taken.getMessage().contains("already has a field named model"), taken.getMessage());
  }
}
