package dev.openaibeam.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.hash.Hashing;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Deterministic answers: each carries {@code echo DIGEST}, the first 16 hex digits of the SHA-256
 * of the request body, so a test can tell that an answer belongs to its request.
 */
final class Answers {
  static final ObjectMapper JSON = new ObjectMapper();
  static final int COMPLETION_TOKENS_PER_CHOICE = 8;

  private Answers() {}

  static String digest(String body) {
    return Hashing.sha256().hashString(body, StandardCharsets.UTF_8).toString().substring(0, 16);
  }

  static String answer(String endpoint, String model, JsonNode body, String digest, TokenCharge t) {
    return answerNode(endpoint, model, body, digest, t).toString();
  }

  /**
   * The answer as a tree, which {@link StreamedAnswers} cuts into a stream. A chat request whose
   * {@code tool_choice} demands a tool ({@link ToolCalls#chosen}) is answered with a call of it.
   */
  static ObjectNode answerNode(String endpoint, String model, JsonNode body, String digest, TokenCharge t) {
    long n = Math.max(1, body.path("n").asLong(1));
    long maxTokens = maxTokens(body);
    long perChoice = Math.min(maxTokens, COMPLETION_TOKENS_PER_CHOICE);
    ObjectNode out = JSON.createObjectNode();
    String echo = "echo " + digest + ": " + lastText(endpoint, body);
    switch (endpoint) {
      case "/v1/embeddings":
        return embeddings(model, body, digest, t);
      case "/v1/completions": {
        out.put("id", "cmpl-" + digest).put("object", "text_completion").put("created", 1700000000L).put("model", model);
        ArrayNode choices = out.putArray("choices");
        JsonNode prompt = body.get("prompt");
        long prompts = prompt != null && prompt.isArray() && prompt.size() > 0 && !prompt.get(0).isNumber() ? prompt.size() : 1;
        for (int i = 0; i < n * prompts; i++) {
          choices.addObject().put("text", echo).put("index", i).put("finish_reason", "stop");
        }
        usage(out, t.promptTokens(), n * prompts * perChoice, false);
        break;
      }
      case "/v1/responses": {
        out.put("id", "resp_" + digest).put("object", "response").put("created_at", 1700000000L)
            .put("model", model).put("status", "completed");
        ObjectNode msg = out.putArray("output").addObject();
        msg.put("type", "message").put("role", "assistant");
        msg.putArray("content").addObject().put("type", "output_text").put("text", echo);
        usage(out, t.promptTokens(), perChoice, true);
        break;
      }
      default: {
        out.put("id", "chatcmpl-" + digest).put("object", "chat.completion").put("created", 1700000000L)
            .put("model", model);
        ArrayNode choices = out.putArray("choices");
        JsonNode tool = ToolCalls.chosen(body);
        for (int i = 0; i < n; i++) {
          ObjectNode c = choices.addObject();
          c.put("index", i);
          if (tool != null) {
            ObjectNode m = c.putObject("message").put("role", "assistant").putNull("content");
            m.set("tool_calls", ToolCalls.calls(tool, digest, echo, i));
            c.put("finish_reason", "tool_calls");
            continue;
          }
          String structured = StructuredAnswers.content(body, digest, echo);
          c.putObject("message").put("role", "assistant").put("content", structured != null ? structured : echo);
          c.put("finish_reason", "stop");
        }
        usage(out, t.promptTokens(), n * perChoice, false);
      }
    }
    return out;
  }

  private static ObjectNode embeddings(String model, JsonNode body, String digest, TokenCharge t) {
    ObjectNode out = JSON.createObjectNode();
    out.put("object", "list");
    out.put("id", "embd-" + digest); // not in the real API: lets a test join answer and request
    ArrayNode data = out.putArray("data");
    JsonNode input = body.get("input");
    int count = input != null && input.isArray() && input.size() > 0 && !input.get(0).isNumber() ? input.size() : 1;
    boolean base64 = "base64".equals(body.path("encoding_format").asText());
    for (int i = 0; i < count; i++) {
      String item = input == null ? "" : input.isArray() && count > 1 ? input.get(i).toString() : input.toString();
      byte[] h = Hashing.sha256().hashString(item, StandardCharsets.UTF_8).asBytes();
      ObjectNode e = data.addObject();
      e.put("object", "embedding").put("index", i);
      if (base64) { // as the service sends it when asked: little-endian float32s, in base64
        ByteBuffer floats = ByteBuffer.allocate(4 * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int j = 0; j < 8; j++) {
          floats.putFloat((float) (Math.round((h[j] / 128.0) * 1e6) / 1e6));
        }
        e.put("embedding", Base64.getEncoder().encodeToString(floats.array()));
        continue;
      }
      ArrayNode v = e.putArray("embedding");
      for (int j = 0; j < 8; j++) {
        v.add(Math.round((h[j] / 128.0) * 1e6) / 1e6);
      }
    }
    out.put("model", model);
    out.putObject("usage").put("prompt_tokens", t.promptTokens()).put("total_tokens", t.promptTokens());
    return out;
  }

  private static void usage(ObjectNode out, long prompt, long completion, boolean responsesApi) {
    ObjectNode u = out.putObject("usage");
    if (responsesApi) {
      u.put("input_tokens", prompt).put("output_tokens", completion);
    } else {
      u.put("prompt_tokens", prompt).put("completion_tokens", completion);
    }
    u.put("total_tokens", prompt + completion);
  }

  private static long maxTokens(JsonNode body) {
    for (String f : new String[] {"max_completion_tokens", "max_tokens", "max_output_tokens"}) {
      JsonNode v = body.get(f);
      if (v != null && v.canConvertToLong()) {
        return v.asLong();
      }
    }
    return 16;
  }

  /** The first 60 characters of the last message's (or the prompt's) text. */
  private static String lastText(String endpoint, JsonNode body) {
    String text = "";
    JsonNode messages = body.get("messages");
    if (messages != null && messages.isArray() && messages.size() > 0) {
      JsonNode c = messages.get(messages.size() - 1).get("content");
      if (c != null && c.isTextual()) {
        text = c.asText();
      } else if (c != null && c.isArray()) {
        for (JsonNode part : c) {
          if (part.has("text")) {
            text = part.get("text").asText();
          }
        }
      }
    } else {
      JsonNode p = body.has("prompt") ? body.get("prompt") : body.get("input");
      if (p != null) {
        text = p.isTextual() ? p.asText() : p.toString();
      }
    }
    return text.length() > 60 ? text.substring(0, 60) : text;
  }
}
