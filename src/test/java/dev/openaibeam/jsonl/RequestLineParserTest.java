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
}
