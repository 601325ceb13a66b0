package dev.openaibeam.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;

/**
 * Chat answers for requests that ask for JSON ({@code response_format} {@code json_schema} or
 * {@code json_object}): a JSON object that follows the schema, filled deterministically from the
 * request's digest (enums pick a value by digest, strings carry the echo text), so structured
 * pipelines can be run and tested against the emulator.
 */
final class StructuredAnswers {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private StructuredAnswers() {}

  /** The message content for a request that asks for JSON, or null when it does not. */
  static String content(JsonNode body, String digest, String echo) {
    JsonNode format = body.path("response_format");
    String type = format.path("type").asText("");
    if (type.equals("json_object")) {
      ObjectNode out = NODES.objectNode();
      out.put("echo", echo);
      return out.toString();
    }
    if (type.equals("json_schema") && format.path("json_schema").path("schema").isObject()) {
      return fill(format.path("json_schema").path("schema"), digest, echo, "$").toString();
    }
    return null;
  }

  /** A value that fits {@code schema} ({@code path}: where in the schema, for the seeded picks). */
  static JsonNode fill(JsonNode schema, String digest, String echo, String path) {
    JsonNode options = schema.has("anyOf") ? schema.get("anyOf") : schema.get("oneOf");
    if (options != null && options.isArray() && options.size() > 0) {
      return fill(options.get(0), digest, echo, path);
    }
    if (schema.path("enum").isArray() && schema.path("enum").size() > 0) {
      JsonNode values = schema.path("enum");
      return values.get(pick(digest, path, values.size()));
    }
    if (schema.has("const")) {
      return schema.get("const");
    }
    JsonNode typeNode = schema.path("type");
    String type = typeNode.isArray() ? typeNode.path(0).asText("string") : typeNode.asText("string");
    switch (type) {
      case "object": {
        ObjectNode out = NODES.objectNode();
        schema.path("properties").fields().forEachRemaining(
            p -> out.set(p.getKey(), fill(p.getValue(), digest, echo, path + "." + p.getKey())));
        return out;
      }
      case "array": {
        ArrayNode out = NODES.arrayNode();
        out.add(fill(schema.path("items"), digest, echo, path + "[0]"));
        return out;
      }
      case "integer":
        return NODES.numberNode(pick(digest, path, 100));
      case "number":
        return NODES.numberNode(pick(digest, path, 1000) / 1000.0);
      case "boolean":
        return NODES.booleanNode(pick(digest, path, 2) == 1);
      case "null":
        return NODES.nullNode();
      default:
        return NODES.textNode(echo);
    }
  }

  /** A value in [0, n) fixed by the request's digest and the place in the schema. */
  private static int pick(String digest, String path, int n) {
    int h = Hashing.murmur3_32_fixed().hashString(digest + path, StandardCharsets.UTF_8).asInt();
    return Math.floorMod(h, n);
  }
}
