package dev.openaibeam.engine.frontdoor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What the front door sends back for one request: a status, a JSON body and headers. Made from a
 * result line (the upstream's body, 200) or a failure line (the upstream's status and an error body
 * in the API's shape), or by the front door itself (429 queue full, 504, 400).
 */
record Answer(int status, String body, Map<String, String> headers, long upstreamMillis) {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String UPSTREAM_MS_HEADER = "openai-beam-upstream-ms";
  static final String ATTEMPTS_HEADER = "openai-beam-attempts";

  /** From a line of the results topic (native format). */
  static Answer fromResultLine(String line) throws IOException {
    JsonNode n = JSON.readTree(line);
    JsonNode response = n.get("response");
    Map<String, String> headers = new LinkedHashMap<>();
    long upstream = n.path("latency_ms").asLong(-1);
    copyCommon(n, headers, upstream);
    String body = response == null || response.isNull() ? "{}"
        : response.isTextual() ? response.asText() : JSON.writeValueAsString(response);
    return new Answer(200, body, headers, upstream);
  }

  /** From a line of the failures topic (native format): the upstream's status when it answered. */
  static Answer fromFailureLine(String line) throws IOException {
    JsonNode n = JSON.readTree(line);
    JsonNode error = n.path("error");
    int status = error.path("status").asInt(0);
    if (status < 400 || status > 599) {
      status = 502; // never answered (connection failures, a row deadline, a malformed request)
    }
    String code = text(error, "code");
    if ("invalid_input".equals(text(error, "type"))) {
      status = 400; // the request itself cannot be sent (as the service answers an invalid body)
    }
    Map<String, String> headers = new LinkedHashMap<>();
    copyCommon(n, headers, -1);
    return new Answer(status, errorBody(text(error, "message"), text(error, "type"), code), headers, -1);
  }

  static Answer error(int status, String message, String type, @Nullable String code) {
    return new Answer(status, errorBody(message, type, code), new LinkedHashMap<>(), -1);
  }

  Answer withHeader(String name, String value) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put(name, value);
    return new Answer(status, body, h, upstreamMillis);
  }

  static String errorBody(@Nullable String message, @Nullable String type, @Nullable String code) {
    ObjectNode error = JsonNodeFactory.instance.objectNode();
    error.put("message", message == null ? "" : message);
    error.put("type", type);
    error.putNull("param");
    error.put("code", code);
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    root.set("error", error);
    return root.toString();
  }

  private static void copyCommon(JsonNode n, Map<String, String> headers, long upstream) {
    String requestId = text(n, "request_id");
    if (requestId == null) {
      requestId = text(n.path("error"), "x_request_id");
    }
    if (requestId != null) {
      headers.put("x-request-id", requestId);
    }
    if (upstream >= 0) {
      headers.put(UPSTREAM_MS_HEADER, Long.toString(upstream));
    }
    if (n.has("attempts")) {
      headers.put(ATTEMPTS_HEADER, n.get("attempts").asText());
    }
  }

  private static @Nullable String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }
}
