package dev.openaibeam.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StructuredAnswersTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SCHEMA =
      "{\"type\":\"object\",\"properties\":{"
          + "\"label\":{\"type\":\"string\",\"enum\":[\"a\",\"b\",\"c\"]},"
          + "\"score\":{\"type\":\"integer\"},\"ok\":{\"type\":\"boolean\"},"
          + "\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
          + "\"note\":{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"null\"}]}},"
          + "\"required\":[\"label\",\"score\",\"ok\",\"tags\",\"note\"],\"additionalProperties\":false}";

  private static JsonNode body(String format) throws Exception {
    return JSON.readTree("{\"model\":\"m\",\"messages\":[],\"response_format\":" + format + "}");
  }

  @Test
  void jsonSchemaAnswersFollowTheSchemaAndDependOnTheDigest() throws Exception {
    JsonNode body = body("{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\",\"schema\":" + SCHEMA + "}}");
    Set<String> labels = new HashSet<>();
    for (int i = 0; i < 40; i++) {
      JsonNode answer = JSON.readTree(StructuredAnswers.content(body, "digest" + i, "echo digest" + i));
      assertEquals(Set.of("label", "score", "ok", "tags", "note"), fieldNames(answer));
      assertTrue(Set.of("a", "b", "c").contains(answer.get("label").asText()), answer.toString());
      assertTrue(answer.get("score").isInt() && answer.get("ok").isBoolean(), answer.toString());
      assertEquals("echo digest" + i, answer.get("tags").get(0).asText());
      assertEquals("echo digest" + i, answer.get("note").asText());
      labels.add(answer.get("label").asText());
      assertEquals(answer.toString(), StructuredAnswers.content(body, "digest" + i, "echo digest" + i));
    }
    assertEquals(Set.of("a", "b", "c"), labels, "enum values are spread by digest");
  }

  @Test
  void jsonObjectAndPlainRequests() throws Exception {
    assertEquals("{\"echo\":\"e\"}", StructuredAnswers.content(body("{\"type\":\"json_object\"}"), "d", "e"));
    assertNull(StructuredAnswers.content(body("{\"type\":\"text\"}"), "d", "e"));
    assertNull(StructuredAnswers.content(JSON.readTree("{\"model\":\"m\"}"), "d", "e"));
  }

  private static Set<String> fieldNames(JsonNode n) {
    Set<String> out = new HashSet<>();
    n.fieldNames().forEachRemaining(out::add);
    return out;
  }
}
