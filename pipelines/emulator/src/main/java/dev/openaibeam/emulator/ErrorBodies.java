package dev.openaibeam.emulator;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The service's error bodies, {@code {"error":{"message","type","param","code"}}}, and key masking. */
final class ErrorBodies {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private ErrorBodies() {}

  /** An error without a {@code param}; a null type or code is sent as JSON null. */
  static String error(String message, String type, String code) {
    return error(message, type, null, code);
  }

  /** An {@code invalid_request_error} about one request field ({@code param}, may be null). */
  static String invalidField(String message, String param) {
    return error(message, "invalid_request_error", param, null);
  }

  static String error(String message, String type, String param, String code) {
    // Concatenated rather than built as a tree: the 429s are sent by the thousand per second.
    return "{\"error\":{\"message\":" + quoted(message) + ",\"type\":" + quoted(type)
        + ",\"param\":" + quoted(param) + ",\"code\":" + quoted(code) + "}}";
  }

  /** The same error as a tree, for a line of a batch output file. */
  static ObjectNode errorNode(String message, String type, String code) {
    ObjectNode n = NODES.objectNode();
    ObjectNode e = n.putObject("error");
    e.put("message", message).put("type", type).putNull("param");
    if (code == null) {
      e.putNull("code");
    } else {
      e.put("code", code);
    }
    return n;
  }

  /** Like the service: never the whole key. */
  static String mask(String key) {
    if (key == null || key.isEmpty()) {
      return "(none)";
    }
    if (key.length() <= 8) {
      return "****";
    }
    return key.substring(0, 4) + "*".repeat(Math.min(8, key.length() - 8)) + key.substring(key.length() - 4);
  }

  /** A JSON string (escaped), or {@code null}. */
  static String quoted(String s) {
    return s == null ? "null" : NODES.textNode(s).toString();
  }
}
