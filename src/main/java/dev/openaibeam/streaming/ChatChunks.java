package dev.openaibeam.streaming;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.TreeMap;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The chunks of a streamed chat completion ({@code chat.completion.chunk}) or completion ({@code
 * text_completion}), joined into the answer the request gets unstreamed: per choice its role, its
 * content, refusal and each tool call's arguments in order, its finish reason and log
 * probabilities; the chunks' id, model, created, fingerprint and tier; the usage chunk's usage.
 */
final class ChatChunks {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final String[] TOP = {"id", "created", "model", "system_fingerprint", "service_tier"};

  /** One choice being put together. */
  private static final class Choice {
    String role = "assistant";
    @Nullable StringBuilder content;
    @Nullable StringBuilder refusal;
    @Nullable StringBuilder text;
    final Map<Integer, ObjectNode> toolCalls = new TreeMap<>();
    final Map<Integer, StringBuilder> arguments = new TreeMap<>();
    JsonNode finishReason = NODES.nullNode();
    @Nullable ArrayNode logprobContent;
  }

  private final ObjectNode top = NODES.objectNode();
  private final Map<Integer, Choice> choices = new TreeMap<>();
  private @Nullable String object;
  private @Nullable JsonNode usage;

  /** Adds one chunk; true when it carried content (text, a refusal or a tool call). */
  boolean add(JsonNode chunk) {
    String o = chunk.path("object").asText("");
    if (object == null && !o.isEmpty()) {
      object = o;
    }
    for (String f : TOP) {
      JsonNode v = chunk.get(f);
      if (v != null && !v.isNull()) {
        top.set(f, v);
      }
    }
    JsonNode u = chunk.get("usage");
    if (u != null && u.isObject()) {
      usage = u;
    }
    boolean content = false;
    for (JsonNode c : chunk.path("choices")) {
      Choice choice = choices.computeIfAbsent(c.path("index").asInt(0), i -> new Choice());
      content |= addChoice(choice, c);
    }
    return content;
  }

  private static boolean addChoice(Choice choice, JsonNode c) {
    boolean content = false;
    JsonNode fr = c.get("finish_reason");
    if (fr != null && !fr.isNull()) {
      choice.finishReason = fr;
    }
    JsonNode text = c.get("text"); // completions
    if (text != null && text.isTextual()) {
      choice.text = append(choice.text, text.asText());
      content |= !text.asText().isEmpty();
    }
    JsonNode lp = c.path("logprobs").path("content");
    if (lp.isArray()) {
      if (choice.logprobContent == null) {
        choice.logprobContent = NODES.arrayNode();
      }
      choice.logprobContent.addAll((ArrayNode) lp);
    }
    JsonNode delta = c.path("delta");
    if (delta.path("role").isTextual()) {
      choice.role = delta.get("role").asText();
    }
    if (delta.path("content").isTextual()) {
      choice.content = append(choice.content, delta.get("content").asText());
      content |= !delta.get("content").asText().isEmpty();
    }
    if (delta.path("refusal").isTextual()) {
      choice.refusal = append(choice.refusal, delta.get("refusal").asText());
      content |= !delta.get("refusal").asText().isEmpty();
    }
    for (JsonNode tc : delta.path("tool_calls")) {
      addToolCall(choice, tc);
      content = true;
    }
    return content;
  }

  /** The first fragment of a call names it (id, type, name); later ones carry its arguments. */
  private static void addToolCall(Choice choice, JsonNode tc) {
    int index = tc.path("index").asInt(choice.toolCalls.size());
    ObjectNode call = choice.toolCalls.computeIfAbsent(index, i -> {
      ObjectNode n = NODES.objectNode();
      n.putNull("id");
      n.put("type", "function");
      n.putObject("function");
      return n;
    });
    for (String f : new String[] {"id", "type"}) {
      if (tc.path(f).isTextual()) {
        call.put(f, tc.get(f).asText());
      }
    }
    JsonNode fn = tc.path("function");
    if (fn.path("name").isTextual()) {
      ((ObjectNode) call.get("function")).put("name", fn.get("name").asText());
    }
    StringBuilder args = choice.arguments.computeIfAbsent(index, i -> new StringBuilder());
    if (fn.path("arguments").isTextual()) {
      args.append(fn.get("arguments").asText());
    }
  }

  private static StringBuilder append(@Nullable StringBuilder sb, String s) {
    return (sb == null ? new StringBuilder() : sb).append(s);
  }

  /** The joined answer; null when no chunk was seen. */
  @Nullable ObjectNode answer() {
    if (object == null && choices.isEmpty()) {
      return null;
    }
    boolean completions = "text_completion".equals(object);
    ObjectNode a = NODES.objectNode();
    a.setAll(top);
    a.put("object", completions ? "text_completion" : "chat.completion");
    ArrayNode out = a.putArray("choices");
    for (Map.Entry<Integer, Choice> e : choices.entrySet()) {
      out.add(completions ? completionChoice(e.getKey(), e.getValue()) : chatChoice(e.getKey(), e.getValue()));
    }
    a.set("usage", usage == null ? NODES.nullNode() : usage);
    return a;
  }

  private static ObjectNode chatChoice(int index, Choice c) {
    ObjectNode choice = NODES.objectNode();
    choice.put("index", index);
    ObjectNode message = choice.putObject("message");
    message.put("role", c.role);
    message.put("content", c.content == null ? null : c.content.toString());
    message.put("refusal", c.refusal == null ? null : c.refusal.toString());
    if (!c.toolCalls.isEmpty()) {
      ArrayNode calls = message.putArray("tool_calls");
      for (Map.Entry<Integer, ObjectNode> t : c.toolCalls.entrySet()) {
        ObjectNode call = t.getValue();
        ((ObjectNode) call.get("function")).put("arguments", c.arguments.get(t.getKey()).toString());
        calls.add(call);
      }
    }
    if (c.logprobContent == null) {
      choice.putNull("logprobs");
    } else {
      choice.putObject("logprobs").set("content", c.logprobContent);
    }
    choice.set("finish_reason", c.finishReason);
    return choice;
  }

  private static ObjectNode completionChoice(int index, Choice c) {
    ObjectNode choice = NODES.objectNode();
    choice.put("text", c.text == null ? "" : c.text.toString());
    choice.put("index", index);
    choice.putNull("logprobs");
    choice.set("finish_reason", c.finishReason);
    return choice;
  }
}
