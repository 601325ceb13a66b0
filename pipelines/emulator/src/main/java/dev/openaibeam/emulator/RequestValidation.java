package dev.openaibeam.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;

/**
 * The service's checks of a request body that parsed and names a model, in its words: a 400
 * {@code invalid_request_error} whose {@code param} names the field ({@code messages}, {@code
 * messages[0].role}, {@code input}, {@code tool_choice}, {@code stream_options}). Cheap: a plain
 * call costs a look at each message's role.
 */
final class RequestValidation {
  static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool", "function");
  private static final String SUPPORTED_ROLES =
      "'system', 'assistant', 'user', 'function', 'tool', and 'developer'";

  private RequestValidation() {}

  /** The 400 body for what is wrong with a request to {@code endpoint}, or null when nothing is. */
  static String problem(String endpoint, JsonNode body) {
    switch (endpoint) {
      case "/v1/chat/completions": {
        String p = messages(body.get("messages"));
        if (p == null) {
          p = toolChoice(body);
        }
        return p != null ? p : streamOptions(body);
      }
      case "/v1/completions":
      case "/v1/responses":
        return streamOptions(body);
      case "/v1/embeddings":
        return body.hasNonNull("input") ? null : missing("input");
      default:
        return null;
    }
  }

  private static String messages(JsonNode messages) {
    if (messages == null) {
      return missing("messages");
    }
    if (!messages.isArray()) {
      return invalidType("messages", "an array", messages);
    }
    if (messages.isEmpty()) {
      return ErrorBodies.invalidField("[] is too short - 'messages'", "messages");
    }
    for (int i = 0; i < messages.size(); i++) {
      JsonNode m = messages.get(i);
      String at = "messages[" + i + "]";
      if (!m.isObject()) {
        return invalidType(at, "an object", m);
      }
      JsonNode role = m.get("role");
      if (role == null) {
        return missing(at + ".role");
      }
      if (!role.isTextual() || !ROLES.contains(role.asText())) {
        return ErrorBodies.error("Invalid value: " + shown(role) + ". Supported values are: "
            + SUPPORTED_ROLES + ".", "invalid_request_error", at + ".role", "invalid_value");
      }
    }
    return null;
  }

  private static String toolChoice(JsonNode body) {
    JsonNode choice = body.get("tool_choice");
    if (choice == null || choice.isNull()) {
      return null;
    }
    if (choice.isTextual()) {
      String c = choice.asText();
      if (!c.equals("none") && !c.equals("auto") && !c.equals("required")) {
        return ErrorBodies.error("Invalid value: '" + c + "'. Supported values are: 'none', 'auto', and "
            + "'required'.", "invalid_request_error", "tool_choice", "invalid_value");
      }
      if (c.equals("required") && !hasTools(body)) {
        return onlyWithTools();
      }
      return null;
    }
    String name = ToolCalls.namedFunction(choice);
    if (name == null) {
      return null; // allowed_tools, custom tools and the like: not emulated, answered with text
    }
    if (!hasTools(body)) {
      return onlyWithTools();
    }
    if (ToolCalls.find(body.get("tools"), name) == null) {
      return ErrorBodies.invalidField("Invalid value for 'tool_choice': function '" + name
          + "' is not one of the functions in 'tools'.", "tool_choice");
    }
    return null;
  }

  private static boolean hasTools(JsonNode body) {
    JsonNode tools = body.get("tools");
    return tools != null && tools.isArray() && !tools.isEmpty();
  }

  private static String onlyWithTools() {
    return ErrorBodies.invalidField("Invalid value for 'tool_choice': 'tool_choice' is only allowed "
        + "when 'tools' are specified.", "tool_choice");
  }

  private static String streamOptions(JsonNode body) {
    JsonNode options = body.get("stream_options");
    if (options == null || options.isNull() || isStream(body)) {
      return null;
    }
    return ErrorBodies.invalidField("The 'stream_options' parameter is only allowed when 'stream' is "
        + "enabled.", "stream_options");
  }

  /** {@code "stream": true}. */
  static boolean isStream(JsonNode body) {
    JsonNode s = body.get("stream");
    return s != null && s.isBoolean() && s.booleanValue();
  }

  private static String missing(String param) {
    return ErrorBodies.error("Missing required parameter: '" + param + "'.", "invalid_request_error",
        param, "missing_required_parameter");
  }

  private static String invalidType(String param, String expected, JsonNode got) {
    return ErrorBodies.error("Invalid type for '" + param + "': expected " + expected + ", but got "
        + typeOf(got) + " instead.", "invalid_request_error", param, "invalid_type");
  }

  private static String typeOf(JsonNode n) {
    switch (n.getNodeType()) {
      case STRING: return "a string";
      case OBJECT: return "an object";
      case ARRAY: return "an array";
      case BOOLEAN: return "a boolean";
      case NULL: return "null";
      default: return n.isIntegralNumber() ? "an integer" : "a decimal";
    }
  }

  private static String shown(JsonNode v) {
    return v.isTextual() ? "'" + v.asText() + "'" : v.toString();
  }
}
