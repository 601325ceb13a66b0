package dev.openaibeam.jsonl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openaibeam.api.ApiError;
import dev.openaibeam.api.ApiFailure;
import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.api.ApiResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestLineParserTest {
  private static final RequestLineParser PARSER = RequestLineParser.of("/v1/chat/completions");
  private static final ObjectMapper JSON = new ObjectMapper();

  private static ParsedLine parse(String line) {
    return PARSER.parse("gs://bucket/dir/in.jsonl", 7, line.getBytes(StandardCharsets.UTF_8));
  }

  private static String code(String line) {
    ParsedLine p = parse(line);
    assertFalse(p.isRequest(), "expected a failure for " + line);
    ApiFailure f = p.failure();
    assertEquals("gs://bucket/dir/in.jsonl:7", f.getSource());
    assertEquals(0, f.getAttempts());
    return f.getError().getCode();
  }

  @Test
  void cookbookLineBecomesARequest() throws Exception {
    ParsedLine p = parse("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
        + "\"max_tokens\":5,\"metadata\":{\"row\":1}}");
    ApiRequest r = p.request();
    assertEquals("in.jsonl:7", r.getId());
    assertEquals("/v1/chat/completions", r.getEndpoint());
    assertEquals("{\"row\":1}", r.getMetadata());
    JsonNode body = JSON.readTree(r.getBody());
    assertFalse(body.has("metadata"));
    assertEquals("gpt-4o-mini", body.get("model").asText());
  }

  @Test
  void customIdAndUrlAreNotSent() throws Exception {
    ApiRequest r = parse("{\"custom_id\":\"doc-1\",\"url\":\"https://api.openai.com/v1/embeddings\","
        + "\"model\":\"text-embedding-3-small\",\"input\":[\"a\",\"b\"]}").request();
    assertEquals("doc-1", r.getId());
    assertEquals("/v1/embeddings", r.getEndpoint());
    assertNull(r.getMetadata());
    JsonNode body = JSON.readTree(r.getBody());
    assertFalse(body.has("custom_id") || body.has("url"));
  }

  @Test
  void eachMalformedLineSaysWhy() {
    assertEquals("invalid_json", code("{\"model\": \"gpt-4o\", "));
    assertEquals("not_an_object", code("[1, 2, 3]"));
    assertEquals("not_an_object", code("\"just a string\""));
    assertEquals("missing_model", code("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"));
    assertEquals("wrong_type", code("{\"model\":42,\"messages\":[]}"));
    assertEquals("wrong_type", code("{\"model\":\"m\",\"messages\":\"hello\"}"));
    assertEquals("wrong_type", code("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":\"ten\"}"));
    assertEquals("wrong_type", code("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"n\":0}"));
    assertEquals("wrong_type", code("{\"url\":\"/v1/embeddings\",\"model\":\"m\",\"input\":5}"));
    assertEquals("wrong_type", code("{\"custom_id\":7,\"model\":\"m\",\"messages\":[{}]}"));
    assertEquals("unknown_endpoint", code("{\"url\":\"/v1/images/generations\",\"model\":\"dall-e-3\",\"prompt\":\"cat\"}"));
    assertEquals("empty_line", code("   "));
    ParsedLine utf = PARSER.parse("in.jsonl", 7, new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', '}'});
    assertEquals("invalid_utf8", utf.failure().getError().getCode());
    assertTrue(parse("nope").failure().getError().getMessage().startsWith("line is not valid JSON"));
  }

  @Test
  void failureLinesReplayWithIdMetadataAndEndpoint() throws Exception {
    ApiRequest original = ApiRequest.of("row-9", "/v1/embeddings",
        "{\"model\":\"text-embedding-3-small\",\"input\":\"x\"}", "{\"k\":[1,2]}");
    String line = JsonlLines.failureLine(ApiFailure.of(original,
        ApiError.fromService(503, "server_error", null, "overloaded", "req_1"), 5,
        List.of(ApiError.fromService(503, "server_error", null, "overloaded", "req_1"))));
    ApiRequest replayed = parse(line).request();
    assertEquals(original.getId(), replayed.getId());
    assertEquals(original.getEndpoint(), replayed.getEndpoint());
    assertEquals(original.getMetadata(), replayed.getMetadata());
    assertEquals(JSON.readTree(original.getBody()), JSON.readTree(replayed.getBody()));
  }

  @Test
  void outputLinesAreOneLineOfJson() throws Exception {
    ApiRequest req = ApiRequest.of("a", "/v1/chat/completions", "{\"model\":\"m\"}", null);
    // The OpenAI API pretty-prints its answers; the result line must stay on one line.
    String line = JsonlLines.resultLine(ApiResponse.of(req, "{\n  \"id\": \"x\",\n  \"n\": [1, 2]\n}", 2, 120));
    assertFalse(line.contains("\n"));
    JsonNode n = JSON.readTree(line);
    assertEquals("x", n.get("response").get("id").asText());
    assertTrue(n.get("metadata").isNull());
    assertEquals(2, n.get("attempts").asInt());
    assertEquals(120, n.get("latency_ms").asInt());
    String notJson = JsonlLines.resultLine(ApiResponse.of(req, "plain text", 1, 1));
    assertEquals("plain text", JSON.readTree(notJson).get("response").asText());
    ParsedLine bad = parse("not json");
    JsonNode f = JSON.readTree(JsonlLines.failureLine(bad.failure()));
    assertEquals("not json", f.get("request").asText());
    assertEquals("invalid_json", f.get("error").get("code").asText());
    assertTrue(f.get("error").get("status").isNull());
  }

  @Test
  void givenTheBatchApisFormat_customIdIsTheIdAndTheBodyIsSentAsItIs() throws Exception {
    ApiRequest r = parse("{\"custom_id\":\"task-7\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
        + "\"body\":{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
        + "\"metadata\":{\"api\":\"param\"}}}").request();
    assertEquals("task-7", r.getId());
    assertEquals("/v1/chat/completions", r.getEndpoint());
    assertNull(r.getMetadata());
    JsonNode body = JSON.readTree(r.getBody());
    assertEquals("gpt-4o-mini", body.get("model").asText());
    assertEquals("param", body.at("/metadata/api").asText(), "the body's own metadata is an API parameter");
    assertFalse(body.has("custom_id") || body.has("url") || body.has("method"));
    ApiRequest embed = parse("{\"custom_id\":\"e1\",\"method\":\"POST\",\"url\":\"/v1/embeddings\","
        + "\"body\":{\"model\":\"text-embedding-3-small\",\"input\":\"x\"}}").request();
    assertEquals("/v1/embeddings", embed.getEndpoint());
  }

  @Test
  void givenABadBatchLine_theErrorNamesTheField() {
    String get = "{\"custom_id\":\"a\",\"method\":\"GET\",\"url\":\"/v1/chat/completions\",\"body\":{}}";
    assertEquals("wrong_type", code(get));
    assertTrue(parse(get).failure().getError().getMessage().contains("\"method\" must be \"POST\""));
    ParsedLine noUrl = parse("{\"custom_id\":\"a\",\"method\":\"POST\",\"body\":{\"model\":\"m\"}}");
    assertTrue(noUrl.failure().getError().getMessage().contains("\"url\""), noUrl.failure().getError().getMessage());
    ParsedLine notObject = parse("{\"custom_id\":\"a\",\"url\":\"/v1/chat/completions\",\"body\":\"x\"}");
    assertTrue(notObject.failure().getError().getMessage().contains("\"body\""));
    assertEquals("a", notObject.failure().getRequest().getId());
    assertEquals("missing_model", code("{\"custom_id\":\"a\",\"url\":\"/v1/chat/completions\",\"body\":{\"messages\":[]}}"));
  }

  @Test
  void givenBatchFormatLines_aFailureReplaysAndAResultReadsBack() throws Exception {
    ApiRequest req = ApiRequest.of("task-9", "/v1/chat/completions",
        "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "{\"row\":9}");
    ApiFailure f = ApiFailure.of(req, ApiError.fromService(500, "server_error", null, "boom", "req_1"), 2, List.of());
    String failure = BatchFormatLines.failureLine(f);
    JsonNode n = JSON.readTree(failure);
    assertEquals("task-9", n.get("custom_id").asText());
    assertTrue(n.get("id").asText().startsWith("batch_req_"));
    assertEquals(500, n.at("/response/status_code").asInt());
    assertEquals("boom", n.at("/response/body/error/message").asText());
    assertTrue(n.get("error").isNull());
    ApiRequest again = parse(failure).request();
    assertEquals("task-9", again.getId());
    assertEquals("{\"row\":9}", again.getMetadata());
    assertEquals(JSON.readTree(req.getBody()), JSON.readTree(again.getBody()));

    ApiResponse r = ApiResponse.of(req, "{\"id\":\"chatcmpl-1\",\"choices\":[]}", 1, 40, "req_2", 12);
    JsonNode out = JSON.readTree(BatchFormatLines.resultLine(r));
    assertEquals(BatchFormatLines.lineId("task-9"), out.get("id").asText());
    assertEquals(200, out.at("/response/status_code").asInt());
    assertEquals("req_2", out.at("/response/request_id").asText());
    assertEquals("chatcmpl-1", out.at("/response/body/id").asText());
    assertEquals(9, out.at("/metadata/row").asInt());
    // A journal line (always native) becomes the same batch line on resume.
    ApiResponse back = JsonlLines.parseResultLine(JsonlLines.resultLine(r));
    assertEquals(BatchFormatLines.resultLine(r), BatchFormatLines.resultLine(back));
    assertEquals(12, JSON.readTree(JsonlLines.resultLine(r)).get("first_token_ms").asInt());
  }

  @Test
  void givenAnInputFailureInBatchFormat_itReplaysAsTheOriginalLine() {
    String bad = "{\"custom_id\":\"b1\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"messages\":[]}}";
    String failure = BatchFormatLines.failureLine(parse(bad).failure());
    ParsedLine replayed = parse(failure);
    assertFalse(replayed.isRequest());
    assertEquals("b1", replayed.failure().getRequest().getId());
    assertEquals("missing_model", replayed.failure().getError().getCode());
  }
}
