package dev.openaibeam.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.HttpResponse;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.ResponseFormatJsonSchema;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionNamedToolChoice;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolChoiceOption;
import com.openai.models.chat.completions.StructuredChatCompletion;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FileObject;
import com.openai.models.files.FilePurpose;
import com.openai.models.models.Model;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import java.io.IOException;
import java.net.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The emulator as the official openai-java SDK sees it: every call below goes through the SDK's
 * own requests, parsing, streaming and error mapping, against an emulator in strict-model mode.
 * The client talks to 127.0.0.1 only: its base URL is the emulator's, it uses no proxy, and an
 * interceptor refuses (and the end of the class fails on) any other host.
 */
class OfficialSdkContractTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String KEY = "sk-contract-0123456789abcdef";
  private static final String TIGHT_KEY = "sk-contract-tight-0123456789";
  private static final Set<String> HOSTS = ConcurrentHashMap.newKeySet();
  private static OpenAiEmulator emu;
  private static OpenAIClient client;

  /** A tool's parameters, and a structured answer, as Java types the SDK derives schemas from. */
  public static class GetWeather {
    @JsonPropertyDescription("the city")
    public String city;
    public Unit unit;
    public int days;
  }

  public enum Unit { CELSIUS, FAHRENHEIT }

  public static class Ticket {
    public String summary;
    public Category category;
    public List<String> tags;
    public boolean urgent;
  }

  public enum Category { BILLING, SHIPPING, OTHER }

  @BeforeAll
  static void start() throws Exception {
    emu = OpenAiEmulator.start(EmulatorConfig.builder().strictModels(true).models(List.of("house-model"))
        .acceptedKeys(Set.of(KEY, TIGHT_KEY)).keyLimits(TIGHT_KEY, 1, 0)
        .batch(BatchBehaviour.defaults().with("validatingMs", "10").with("inProgressMs", "20")
            .with("finalizingMs", "10"))
        .build());
    client = client(KEY);
  }

  @AfterAll
  static void stop() {
    emu.close();
    assertEquals(Set.of("127.0.0.1"), HOSTS, "the SDK talked to the emulator only");
  }

  private static OpenAIClient client(String key) {
    return OpenAIOkHttpClient.builder().baseUrl(emu.baseUrl()).apiKey(key).maxRetries(0)
        .timeout(Duration.ofSeconds(10)).proxy(Proxy.NO_PROXY).disableTelemetry(true)
        .addInterceptor(chain -> {
          String host = chain.request().url().host();
          HOSTS.add(host);
          if (!host.equals("127.0.0.1")) {
            throw new IOException("the contract test talks to 127.0.0.1 only, not " + host);
          }
          return chain.proceed(chain.request());
        })
        .build();
  }

  private static ChatCompletionCreateParams.Builder chat(String text) {
    return ChatCompletionCreateParams.builder().model("gpt-4o-mini").addUserMessage(text).maxCompletionTokens(5);
  }

  /** The digest an echo answer starts with ({@code echo DIGEST: ...}). */
  private static String digestOf(String echo) {
    assertTrue(echo.startsWith("echo "), echo);
    return echo.substring(5, 21);
  }

  @Test
  void chatCompletionWithUsageAndTheServiceHeaders() {
    HttpResponseFor<ChatCompletion> raw = client.chat().completions().withRawResponse()
        .create(chat("Hello from the official SDK").build());
    ChatCompletion c = raw.parse();
    String content = c.choices().get(0).message().content().orElseThrow();
    assertTrue(content.endsWith(": Hello from the official SDK"), content);
    assertEquals(raw.headers().values("x-emulator-digest").get(0), digestOf(content));
    assertEquals(ChatCompletion.Choice.FinishReason.STOP, c.choices().get(0).finishReason());
    assertTrue(c.usage().orElseThrow().promptTokens() > 0);
    assertEquals(5, c.usage().orElseThrow().completionTokens());
    assertTrue(raw.requestId().orElseThrow().startsWith("req_"));
    assertEquals("2020-10-01", raw.headers().values("openai-version").get(0));
    assertEquals("org-emulator", raw.headers().values("openai-organization").get(0));
    assertEquals("0", raw.headers().values("openai-processing-ms").get(0));
  }

  @Test
  void streamedChatJoinsToTheUnstreamedAnswer() {
    ChatCompletionCreateParams params = chat("Tell me about streams, in a few words").build();
    String whole = client.chat().completions().create(params).choices().get(0).message().content().orElseThrow();
    ChatCompletionCreateParams streamed = params.toBuilder()
        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
    List<ChatCompletionChunk> chunks;
    String digest;
    try (HttpResponseFor<StreamResponse<ChatCompletionChunk>> raw =
        client.chat().completions().withRawResponse().createStreaming(streamed)) {
      assertTrue(raw.headers().values("content-type").get(0).startsWith("text/event-stream"));
      digest = raw.headers().values("x-emulator-digest").get(0);
      try (StreamResponse<ChatCompletionChunk> stream = raw.parse()) {
        chunks = stream.stream().collect(Collectors.toList());
      }
    }
    assertTrue(chunks.size() > 4, "role, several pieces, finish, usage: " + chunks.size());
    String joined = chunks.stream().flatMap(k -> k.choices().stream())
        .flatMap(ch -> ch.delta().content().stream()).collect(Collectors.joining());
    assertEquals(whole.replace(digestOf(whole), digest), joined);
    assertEquals(1, chunks.stream().map(ChatCompletionChunk::id).distinct().count());
    ChatCompletionChunk last = chunks.get(chunks.size() - 1);
    assertTrue(last.choices().isEmpty());
    assertEquals(5, last.usage().orElseThrow().completionTokens());
    assertTrue(chunks.subList(0, chunks.size() - 1).stream().allMatch(k -> k.usage().isEmpty()));
    ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
    chunks.forEach(acc::accumulate);
    ChatCompletion rebuilt = acc.chatCompletion();
    assertEquals(joined, rebuilt.choices().get(0).message().content().orElseThrow());
    assertEquals(ChatCompletion.Choice.FinishReason.STOP, rebuilt.choices().get(0).finishReason());
  }

  @Test
  void streamedCompletions() {
    CompletionCreateParams params = CompletionCreateParams.builder().model("gpt-3.5-turbo-instruct")
        .prompt("Once upon a time").maxTokens(5).build();
    String whole = client.completions().create(params).choices().get(0).text();
    try (StreamResponse<Completion> stream = client.completions().createStreaming(params)) {
      String joined = stream.stream().flatMap(c -> c.choices().stream()).map(c -> c.text())
          .collect(Collectors.joining());
      assertEquals(whole.substring(21), joined.substring(21));
      assertTrue(joined.endsWith(": Once upon a time"), joined);
    }
  }

  @Test
  void requiredAndNamedToolChoicesCallTheTool() throws Exception {
    ChatCompletion c = client.chat().completions().create(chat("Weather in Oslo?")
        .addTool(GetWeather.class).toolChoice(ChatCompletionToolChoiceOption.Auto.REQUIRED).build());
    ChatCompletion.Choice choice = c.choices().get(0);
    assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, choice.finishReason());
    assertTrue(choice.message().content().isEmpty());
    ChatCompletionMessageFunctionToolCall call =
        choice.message().toolCalls().orElseThrow().get(0).function().orElseThrow();
    assertTrue(call.id().startsWith("call_"), call.id());
    GetWeather args = call.function().arguments(GetWeather.class);
    assertTrue(args.city.startsWith("echo "), args.city);

    FunctionDefinition time = FunctionDefinition.builder().name("get_time").parameters(FunctionParameters.builder()
        .putAdditionalProperty("type", JsonValue.from("object"))
        .putAdditionalProperty("properties", JsonValue.from(Map.of("zone", Map.of("type", "string",
            "enum", List.of("UTC", "CET")))))
        .build()).build();
    ChatCompletionCreateParams named = chat("What time is it?").addTool(GetWeather.class).addFunctionTool(time)
        .toolChoice(ChatCompletionNamedToolChoice.builder()
            .function(ChatCompletionNamedToolChoice.Function.builder().name("get_time").build()).build())
        .build();
    ChatCompletionMessageFunctionToolCall timeCall = client.chat().completions().create(named).choices().get(0)
        .message().toolCalls().orElseThrow().get(0).function().orElseThrow();
    assertEquals("get_time", timeCall.function().name());
    JsonNode zone = JSON.readTree(timeCall.function().arguments()).get("zone");
    assertTrue(Set.of("UTC", "CET").contains(zone.asText()), timeCall.function().arguments());

    // Streamed: the SDK's accumulator puts the call back together from its fragments.
    ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
    try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(named)) {
      stream.stream().forEach(acc::accumulate);
    }
    ChatCompletion.Choice rebuilt = acc.chatCompletion().choices().get(0);
    assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, rebuilt.finishReason());
    ChatCompletionMessageFunctionToolCall streamedCall =
        rebuilt.message().toolCalls().orElseThrow().get(0).function().orElseThrow();
    assertEquals("get_time", streamedCall.function().name());
    assertEquals(zone, JSON.readTree(streamedCall.function().arguments()).get("zone"));
  }

  @Test
  void structuredOutputsFitTheirSchema() throws Exception {
    StructuredChatCompletion<Ticket> typed = client.chat().completions().create(
        chat("Ticket: my parcel is late").responseFormat(Ticket.class).build());
    Ticket t = typed.choices().get(0).message().content().orElseThrow();
    assertTrue(t.summary.startsWith("echo "), t.summary);
    assertEquals(1, t.tags.size());

    ResponseFormatJsonSchema.JsonSchema.Schema schema = ResponseFormatJsonSchema.JsonSchema.Schema.builder()
        .putAdditionalProperty("type", JsonValue.from("object"))
        .putAdditionalProperty("properties", JsonValue.from(Map.of(
            "label", Map.of("type", "string", "enum", List.of("spam", "ham")),
            "score", Map.of("type", "number"))))
        .build();
    String content = client.chat().completions().create(chat("Label this").responseFormat(
        ResponseFormatJsonSchema.builder().jsonSchema(ResponseFormatJsonSchema.JsonSchema.builder()
            .name("label").schema(schema).build()).build()).build())
        .choices().get(0).message().content().orElseThrow();
    JsonNode n = JSON.readTree(content);
    assertTrue(Set.of("spam", "ham").contains(n.get("label").asText()), content);
    assertTrue(n.get("score").isNumber(), content);
  }

  @Test
  void embeddings() {
    CreateEmbeddingResponse e = client.embeddings().create(
        EmbeddingCreateParams.builder().model("text-embedding-3-small").input("embed me").build());
    assertEquals(8, e.data().get(0).embedding().size()); // the SDK asks for base64 and decodes it
    assertTrue(e.usage().promptTokens() > 0);
    CreateEmbeddingResponse floats = client.embeddings().create(EmbeddingCreateParams.builder()
        .model("text-embedding-3-small").input("embed me")
        .encodingFormat(EmbeddingCreateParams.EncodingFormat.FLOAT).build());
    assertEquals(e.data().get(0).embedding(), floats.data().get(0).embedding());
  }

  @Test
  void responsesWholeAndStreamed() {
    ResponseCreateParams params = ResponseCreateParams.builder().model("gpt-4o").input("Hi from responses")
        .maxOutputTokens(16).build();
    Response whole = client.responses().create(params);
    String text = whole.output().get(0).message().orElseThrow().content().get(0).outputText().orElseThrow().text();
    assertTrue(text.endsWith(": Hi from responses"), text);
    assertTrue(whole.usage().orElseThrow().inputTokens() > 0);

    List<ResponseStreamEvent> events;
    try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(params)) {
      events = stream.stream().collect(Collectors.toList());
    }
    assertTrue(events.get(0).created().isPresent());
    String joined = events.stream().flatMap(e -> e.outputTextDelta().stream()).map(d -> d.delta())
        .collect(Collectors.joining());
    assertEquals(text.substring(21), joined.substring(21));
    ResponseStreamEvent last = events.get(events.size() - 1);
    assertTrue(last.isCompleted());
    Response done = last.completed().orElseThrow().response();
    assertEquals(joined, done.output().get(0).message().orElseThrow().content().get(0).outputText()
        .orElseThrow().text());
    assertEquals(whole.usage().orElseThrow().totalTokens(), done.usage().orElseThrow().totalTokens());
  }

  @Test
  void filesAndBatches() throws Exception {
    String jsonl = "{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":"
        + "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"batch line a\"}],\"max_tokens\":5}}\n"
        + "{\"custom_id\":\"b\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":"
        + "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"batch line b\"}],\"max_tokens\":5}}\n"
        + "{\"custom_id\":\"c\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":"
        + "{\"model\":\"house-model-2\",\"messages\":[{\"role\":\"user\",\"content\":\"no such model\"}]}}\n"
        + "{\"custom_id\":\"d\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":"
        + "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"robot\",\"content\":\"bad role\"}]}}\n";
    FileObject file = client.files().create(FileCreateParams.builder().purpose(FilePurpose.BATCH)
        .file(jsonl.getBytes(StandardCharsets.UTF_8)).build());
    assertEquals(jsonl.getBytes(StandardCharsets.UTF_8).length, client.files().retrieve(file.id()).bytes());
    assertEquals(jsonl, content(file.id()));

    Batch batch = client.batches().create(BatchCreateParams.builder().inputFileId(file.id())
        .endpoint(BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS)
        .completionWindow(BatchCreateParams.CompletionWindow._24H).build());
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!batch.status().equals(Batch.Status.COMPLETED) && System.nanoTime() < deadline) {
      Thread.sleep(25);
      batch = client.batches().retrieve(batch.id());
    }
    assertEquals(Batch.Status.COMPLETED, batch.status());
    List<String> lines = content(batch.outputFileId().orElseThrow()).lines().collect(Collectors.toList());
    assertEquals(2, lines.size());
    for (String line : lines) {
      JsonNode n = JSON.readTree(line);
      assertEquals(200, n.at("/response/status_code").asInt(), line);
      String answer = n.at("/response/body/choices/0/message/content").asText();
      assertTrue(answer.endsWith(": batch line " + n.get("custom_id").asText()), line);
    }
    assertEquals(2, batch.requestCounts().orElseThrow().failed());
    Map<String, JsonNode> errors = new TreeMap<>();
    for (String line : content(batch.errorFileId().orElseThrow()).lines().collect(Collectors.toList())) {
      JsonNode n = JSON.readTree(line);
      errors.put(n.get("custom_id").asText(), n.get("response"));
    }
    assertEquals(404, errors.get("c").get("status_code").asInt());
    assertEquals("model_not_found", errors.get("c").at("/body/error/code").asText());
    assertEquals(400, errors.get("d").get("status_code").asInt());
    assertEquals("messages[0].role", errors.get("d").at("/body/error/param").asText());
  }

  private static String content(String fileId) throws IOException {
    try (HttpResponse r = client.files().content(fileId)) {
      return new String(r.body().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void modelsListedAndRetrieved() {
    List<String> ids = client.models().list().data().stream().map(Model::id).collect(Collectors.toList());
    assertTrue(ids.containsAll(List.of("gpt-4o-mini", "gpt-4.1", "o3-mini", "text-embedding-3-small", "house-model")), ids.toString());
    assertEquals("gpt-4o-mini-2024-07-18", client.models().retrieve("gpt-4o-mini-2024-07-18").id());
    assertEquals("ft:gpt-4o-mini-2024-07-18:acme::abc123",
        client.models().retrieve("ft:gpt-4o-mini-2024-07-18:acme::abc123").id());
    assertTrue(client.models().retrieve("gpt-4o").created() > 0);
    NotFoundException missing = assertThrows(NotFoundException.class, () -> client.models().retrieve("gpt-17"));
    assertEquals("model_not_found", missing.code().orElseThrow());
  }

  @Test
  void errorsArriveAsTheSdksOwnExceptions() {
    UnauthorizedException unauthorized = assertThrows(UnauthorizedException.class,
        () -> client("sk-wrong-key-0000000000").chat().completions().create(chat("x").build()));
    assertEquals("invalid_api_key", unauthorized.code().orElseThrow());

    NotFoundException notFound = assertThrows(NotFoundException.class,
        () -> client.chat().completions().create(chat("x").model("house-model-2").build()));
    assertEquals("model_not_found", notFound.code().orElseThrow());
    assertTrue(notFound.getMessage().contains("house-model-2"), notFound.getMessage());
    assertFalse(client.chat().completions().create(chat("x").model("house-model").build()).choices().isEmpty());

    BadRequestException notAList = assertThrows(BadRequestException.class, () -> client.chat().completions()
        .create(chat("x").messages(JsonValue.from("not a list")).build()));
    assertParam(notAList, "messages", "invalid_type");
    BadRequestException badRole = assertThrows(BadRequestException.class, () -> client.chat().completions()
        .create(chat("x").messages(JsonValue.from(List.of(Map.of("role", "robot", "content", "x")))).build()));
    assertParam(badRole, "messages[0].role", "invalid_value");
    BadRequestException noInput = assertThrows(BadRequestException.class, () -> client.embeddings()
        .create(EmbeddingCreateParams.builder().model("text-embedding-3-small").input(JsonValue.from(null)).build()));
    assertParam(noInput, "input", "missing_required_parameter");

    OpenAIClient tight = client(TIGHT_KEY); // 1 request per minute
    tight.chat().completions().create(chat("first").build());
    RateLimitException limited = assertThrows(RateLimitException.class,
        () -> tight.chat().completions().create(chat("second").build()));
    assertEquals("rate_limit_exceeded", limited.code().orElseThrow());
    assertFalse(limited.headers().values("retry-after-ms").isEmpty());
  }

  private static void assertParam(OpenAIServiceException e, String param, String code) {
    assertEquals(400, e.statusCode());
    assertEquals(param, e.param().orElseThrow(), e.getMessage());
    assertEquals(code, e.code().orElseThrow(), e.getMessage());
    assertEquals("invalid_request_error", e.type().orElseThrow());
  }

  @Test
  void aStreamIsChargedOnceAndTheClientRetriesNothing() {
    long before = emu.stats().accepted();
    List<String> pieces = new ArrayList<>();
    try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(chat("count me").build())) {
      s.stream().flatMap(k -> k.choices().stream()).forEach(ch -> ch.delta().content().ifPresent(pieces::add));
    }
    assertTrue(pieces.size() > 2, pieces.toString());
    assertEquals(before + 1, emu.stats().accepted());
  }
}
