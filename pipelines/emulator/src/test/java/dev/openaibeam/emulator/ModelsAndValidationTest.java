package dev.openaibeam.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which models exist (strict or not), the service's 400s with their param, tools and headers. */
class ModelsAndValidationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final String MSG = "[{\"role\":\"user\",\"content\":\"hi\"}]";

  private static HttpResponse<String> send(OpenAiEmulator emu, String method, String path, String body, String key)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + emu.port() + path))
        .timeout(Duration.ofSeconds(5))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      b.header(path.startsWith("/openai/") ? "api-key" : "Authorization", path.startsWith("/openai/") ? key : "Bearer " + key);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> chat(OpenAiEmulator emu, String model) throws Exception {
    return send(emu, "POST", "/v1/chat/completions", "{\"model\":\"" + model + "\",\"messages\":" + MSG + "}", "k");
  }

  private static JsonNode error(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body()).get("error");
  }

  @Test
  void strictModelsKnowTheCatalogueItsSnapshotsFineTunesAndExtras() throws Exception {
    try (OpenAiEmulator emu = OpenAiEmulator.start(EmulatorConfig.builder().strictModels(true)
        .models(List.of("house-model")).build())) {
      for (String known : List.of("gpt-4o-mini", "gpt-4o-mini-2024-07-18", "gpt-4-0613", "o3-mini", "gpt-5-nano",
          "ft:gpt-4o-mini-2024-07-18:acme::abc123", "ft:gpt-3.5-turbo:acme:suffix:id1", "house-model",
          "house-model-2025-01-01")) {
        assertEquals(200, chat(emu, known).statusCode(), known);
      }
      for (String unknown : List.of("cap-model", "gpt-4o-mini-extra", "ft:nope:acme::x", "does-not-exist", "missing-a")) {
        HttpResponse<String> r = chat(emu, unknown);
        assertEquals(404, r.statusCode(), unknown);
        assertEquals("{\"error\":{\"message\":\"The model `" + unknown + "` does not exist or you do not have "
            + "access to it.\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"model_not_found\"}}", r.body());
      }
      // An Azure deployment is the account's own name: any one is accepted.
      assertEquals(200, send(emu, "POST", "/openai/deployments/my-prod-gpt/chat/completions?api-version=2024-10-21",
          "{\"messages\":" + MSG + "}", "k").statusCode());
      JsonNode list = JSON.readTree(send(emu, "GET", "/v1/models", null, "k").body());
      assertEquals("list", list.get("object").asText());
      assertEquals("model", list.at("/data/0/object").asText());
      assertTrue(list.get("data").size() >= 23);
      assertEquals("house-model", list.get("data").get(list.get("data").size() - 1).get("id").asText());
      JsonNode one = JSON.readTree(send(emu, "GET", "/v1/models/text-embedding-3-large", null, "k").body());
      assertEquals("text-embedding-3-large", one.get("id").asText());
      assertEquals("system", one.get("owned_by").asText());
      assertTrue(one.get("created").asLong() > 1_600_000_000L);
      assertEquals(404, send(emu, "GET", "/v1/models/cap-model", null, "k").statusCode());
      assertEquals(401, send(emu, "GET", "/v1/models", null, null).statusCode());
      assertEquals(404, send(emu, "POST", "/v1/models", "{}", "k").statusCode());
    }
  }

  @Test
  void byDefaultEveryModelButTheMissingOnesExists() throws Exception {
    try (OpenAiEmulator emu = OpenAiEmulator.start(EmulatorConfig.builder().build())) {
      assertEquals(200, chat(emu, "cap-model").statusCode());
      assertEquals(404, chat(emu, "does-not-exist").statusCode());
      assertEquals(404, chat(emu, "missing-thing").statusCode());
      assertEquals(200, send(emu, "GET", "/v1/models/house-model", null, "k").statusCode());
      assertEquals(404, send(emu, "GET", "/v1/models/missing-thing", null, "k").statusCode());
      assertTrue(send(emu, "GET", "/v1/models", null, "k").body().contains("\"gpt-4.1-nano\""));
    }
    EmulatorConfig c = EmulatorConfig.fromArgs(new String[] {"--strictModels", "--models=a,b"});
    assertTrue(c.strictModels);
    assertEquals(Set.of("a", "b"), c.models);
    assertFalse(EmulatorConfig.fromArgs(new String[] {"--strictModels=false"}).strictModels);
    assertFalse(EmulatorConfig.fromArgs(new String[0]).strictModels);
    assertNull(ModelCatalogue.withoutSnapshot("gpt-4o"));
    assertEquals("gpt-4o", ModelCatalogue.withoutSnapshot("gpt-4o-2024-08-06"));
  }

  @Test
  void badRequestsNameTheirParam() throws Exception {
    String[][] cases = { // path, body, param, code, message (null: not checked)
        {"/v1/chat/completions", "{\"model\":\"m\",\"messages\":\"hi\"}", "messages", "invalid_type",
            "Invalid type for 'messages': expected an array, but got a string instead."},
        {"/v1/chat/completions", "{\"model\":\"m\",\"messages\":{}}", "messages", "invalid_type",
            "Invalid type for 'messages': expected an array, but got an object instead."},
        {"/v1/chat/completions", "{\"model\":\"m\",\"messages\":[]}", "messages", null, "[] is too short - 'messages'"},
        {"/v1/chat/completions", "{\"model\":\"m\"}", "messages", "missing_required_parameter",
            "Missing required parameter: 'messages'."},
        {"/v1/chat/completions", "{\"model\":\"m\",\"messages\":[\"hi\"]}", "messages[0]", "invalid_type", null},
        {"/v1/chat/completions", "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"content\":\"b\"}]}",
            "messages[1].role", "missing_required_parameter", "Missing required parameter: 'messages[1].role'."},
        {"/v1/chat/completions", "{\"model\":\"m\",\"messages\":[{\"role\":\"robot\",\"content\":\"a\"}]}",
            "messages[0].role", "invalid_value", null},
        {"/v1/chat/completions", "{\"model\":\"m\",\"messages\":" + MSG + ",\"tool_choice\":\"required\"}",
            "tool_choice", null, null},
        {"/v1/chat/completions", "{\"model\":\"m\",\"messages\":" + MSG + ",\"tool_choice\":\"sometimes\","
            + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]}", "tool_choice", "invalid_value", null},
        {"/v1/chat/completions", "{\"model\":\"m\",\"messages\":" + MSG + ",\"tool_choice\":{\"type\":\"function\","
            + "\"function\":{\"name\":\"g\"}},\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]}",
            "tool_choice", null, null},
        {"/v1/chat/completions", "{\"model\":\"m\",\"messages\":" + MSG + ",\"stream_options\":{\"include_usage\":true}}",
            "stream_options", null, null},
        {"/v1/embeddings", "{\"model\":\"text-embedding-3-small\"}", "input", "missing_required_parameter",
            "Missing required parameter: 'input'."},
    };
    try (OpenAiEmulator emu = OpenAiEmulator.start(EmulatorConfig.builder().build())) {
      for (String[] c : cases) {
        HttpResponse<String> r = send(emu, "POST", c[0], c[1], "k");
        assertEquals(400, r.statusCode(), c[1]);
        JsonNode e = error(r);
        assertEquals("invalid_request_error", e.get("type").asText());
        assertEquals(c[2], e.get("param").asText(), c[1]);
        assertEquals(c[3] == null ? "null" : c[3], e.get("code").asText(), c[1]);
        if (c[4] != null) {
          assertEquals(c[4], e.get("message").asText());
        }
      }
      // Still as before: a body that is not JSON, a missing model.
      assertNull(error(send(emu, "POST", "/v1/chat/completions", "{oops", "k")).get("param").textValue());
      assertEquals("you must provide a model parameter",
          error(send(emu, "POST", "/v1/chat/completions", "{\"messages\":[]}", "k")).get("message").asText());
      assertEquals(cases.length + 2, emu.stats().badRequests());
      assertEquals(0, emu.stats().accepted());
    }
  }

  @Test
  void toolChoicesThatDemandACall() throws Exception {
    String tools = ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"lookup\",\"parameters\":{\"type\":"
        + "\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"kind\":{\"enum\":[\"a\",\"b\"]}}}}},"
        + "{\"type\":\"function\",\"function\":{\"name\":\"ping\"}}]";
    try (OpenAiEmulator emu = OpenAiEmulator.start(EmulatorConfig.builder().build())) {
      String required = "{\"model\":\"m\",\"n\":2,\"messages\":" + MSG + tools + ",\"tool_choice\":\"required\"}";
      JsonNode r = JSON.readTree(send(emu, "POST", "/v1/chat/completions", required, "k").body());
      for (JsonNode choice : r.get("choices")) {
        assertEquals("tool_calls", choice.get("finish_reason").asText());
        assertTrue(choice.at("/message/content").isNull());
        JsonNode call = choice.at("/message/tool_calls/0");
        assertTrue(call.get("id").asText().startsWith("call_"));
        assertEquals("function", call.get("type").asText());
        assertEquals("lookup", call.at("/function/name").asText());
        JsonNode args = JSON.readTree(call.at("/function/arguments").asText());
        assertTrue(args.get("id").isInt() && Set.of("a", "b").contains(args.get("kind").asText()), args.toString());
      }
      String named = "{\"model\":\"m\",\"messages\":" + MSG + tools
          + ",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"ping\"}}}";
      JsonNode ping = JSON.readTree(send(emu, "POST", "/v1/chat/completions", named, "k").body());
      assertEquals("ping", ping.at("/choices/0/message/tool_calls/0/function/name").asText());
      assertEquals("{}", ping.at("/choices/0/message/tool_calls/0/function/arguments").asText());
      for (String choice : List.of("", ",\"tool_choice\":\"auto\"", ",\"tool_choice\":\"none\"")) {
        JsonNode text = JSON.readTree(send(emu, "POST", "/v1/chat/completions",
            "{\"model\":\"m\",\"messages\":" + MSG + tools + choice + "}", "k").body());
        assertEquals("stop", text.at("/choices/0/finish_reason").asText());
        assertTrue(text.at("/choices/0/message/content").asText().startsWith("echo "));
      }
    }
  }

  @Test
  void everyV1AnswerCarriesTheServiceHeaders() throws Exception {
    try (OpenAiEmulator emu = OpenAiEmulator.start(EmulatorConfig.builder().acceptedKeys(Set.of("k"))
        .rpm(60).windowSeconds(1).latency(LatencyModel.fixed(40)).build())) {
      List<HttpResponse<String>> answers = List.of(
          chat(emu, "gpt-4o"), // 200
          chat(emu, "gpt-4o"), // 429: the bucket holds one request
          send(emu, "POST", "/v1/chat/completions", "{oops", "k"),
          send(emu, "POST", "/v1/chat/completions", "{}", "wrong"),
          send(emu, "POST", "/v1/nothing", "{}", "k"),
          send(emu, "GET", "/v1/models", null, "k"),
          send(emu, "GET", "/v1/files/file-none", null, "k"));
      assertEquals(List.of(200, 429, 400, 401, 404, 200, 404), answers.stream().map(HttpResponse::statusCode).toList());
      for (HttpResponse<String> r : answers) {
        assertTrue(r.headers().firstValue("x-request-id").orElseThrow().startsWith("req_"));
        assertEquals("2020-10-01", r.headers().firstValue("openai-version").orElseThrow());
        assertEquals("org-emulator", r.headers().firstValue("openai-organization").orElseThrow());
        assertTrue(r.headers().firstValue("openai-processing-ms").orElseThrow().matches("[0-9]+"));
      }
      assertEquals("40", answers.get(0).headers().firstValue("openai-processing-ms").orElseThrow());
      assertEquals(1, answers.get(0).headers().allValues("openai-processing-ms").size());
    }
  }
}
