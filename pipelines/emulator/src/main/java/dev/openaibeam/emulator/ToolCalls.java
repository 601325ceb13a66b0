package dev.openaibeam.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Chat answers that call a tool. The service must call one when {@code tool_choice} is {@code
 * "required"} (the emulator takes the first function tool) or names a function ({@code
 * {"type":"function","function":{"name":"x"}}}); with {@code "auto"}, {@code "none"} or no choice
 * it answers with text, as it always has. The arguments are JSON that fits the function's {@code
 * parameters} schema, filled like a structured answer ({@link StructuredAnswers#fill}).
 */
final class ToolCalls {
  private ToolCalls() {}

  /** The {@code function} definition the answer must call, or null when it answers with text. */
  static JsonNode chosen(JsonNode body) {
    JsonNode choice = body.get("tool_choice");
    if (choice == null) {
      return null;
    }
    JsonNode tools = body.get("tools");
    if (tools == null || !tools.isArray()) {
      return null;
    }
    if (choice.isTextual() && choice.asText().equals("required")) {
      for (JsonNode t : tools) {
        if (isFunction(t)) {
          return t.get("function");
        }
      }
      return null;
    }
    String name = namedFunction(choice);
    return name == null ? null : find(tools, name);
  }

  /** The name a {@code {"type":"function","function":{"name":...}}} choice names, else null. */
  static String namedFunction(JsonNode choice) {
    if (choice == null || !choice.isObject() || !"function".equals(choice.path("type").asText())) {
      return null;
    }
    JsonNode name = choice.path("function").get("name");
    return name != null && name.isTextual() ? name.asText() : null;
  }

  /** The function tool of that name in {@code tools}, or null. */
  static JsonNode find(JsonNode tools, String name) {
    for (JsonNode t : tools) {
      if (isFunction(t) && name.equals(t.get("function").path("name").asText(null))) {
        return t.get("function");
      }
    }
    return null;
  }

  private static boolean isFunction(JsonNode tool) {
    return tool.isObject() && "function".equals(tool.path("type").asText("function"))
        && tool.path("function").isObject();
  }

  /** {@code message.tool_calls} of choice {@code index}: one call of {@code function}. */
  static ArrayNode calls(JsonNode function, String digest, String echo, int index) {
    JsonNode parameters = function.get("parameters");
    String arguments = parameters != null && parameters.isObject()
        ? StructuredAnswers.fill(parameters, digest, echo, "$").toString() : "{}";
    ArrayNode calls = Answers.JSON.createArrayNode();
    ObjectNode call = calls.addObject();
    call.put("id", "call_" + digest + index).put("type", "function");
    call.putObject("function").put("name", function.path("name").asText("")).put("arguments", arguments);
    return calls;
  }
}
