package dev.openaibeam.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code "stream": true}: the answer {@link Answers} gives, cut into server-sent events as the
 * service sends them, so that the pieces joined are the answer's content. Chat completions send
 * {@code chat.completion.chunk}s (the role, the content a few words at a time or a tool call with
 * its arguments in fragments, the finish reason, a {@code choices: []} chunk with the usage when
 * {@code stream_options.include_usage}), completions send {@code text_completion} chunks, both
 * ending with {@code data: [DONE]}; the Responses API sends its typed events, from {@code
 * response.created} to {@code response.completed} with the whole response.
 */
final class StreamedAnswers {
  /** The longest piece of text one event carries. */
  private static final int MAX_PIECE = 24;
  private static final String DONE = "data: [DONE]\n\n";

  private StreamedAnswers() {}

  /** The events of the answer to a streamed request, each a whole {@code data:} frame. */
  static List<String> events(String endpoint, ObjectNode answer, JsonNode body) {
    boolean usage = body.path("stream_options").path("include_usage").asBoolean(false);
    switch (endpoint) {
      case "/v1/responses":
        return responses(answer);
      case "/v1/completions":
        return completions(answer, usage);
      default:
        return chat(answer, usage);
    }
  }

  private static List<String> chat(ObjectNode answer, boolean usage) {
    List<String> out = new ArrayList<>();
    for (JsonNode c : answer.get("choices")) {
      int index = c.get("index").asInt();
      JsonNode message = c.get("message");
      JsonNode calls = message.get("tool_calls");
      ObjectNode delta = Answers.JSON.createObjectNode().put("role", "assistant");
      if (calls != null) {
        delta.putNull("content");
      } else {
        delta.put("content", "");
      }
      delta.putNull("refusal");
      out.add(data(chatChunk(answer, index, delta, null)));
      if (calls == null) {
        for (String piece : pieces(message.get("content").asText(), MAX_PIECE)) {
          out.add(data(chatChunk(answer, index, Answers.JSON.createObjectNode().put("content", piece), null)));
        }
      } else {
        for (int j = 0; j < calls.size(); j++) {
          JsonNode call = calls.get(j);
          ObjectNode first = toolDelta(j);
          ((ObjectNode) first.get("tool_calls").get(0)).put("id", call.get("id").asText())
              .put("type", "function").putObject("function")
              .put("name", call.path("function").path("name").asText()).put("arguments", "");
          out.add(data(chatChunk(answer, index, first, null)));
          for (String piece : pieces(call.path("function").path("arguments").asText(), 12)) {
            ObjectNode more = toolDelta(j);
            ((ObjectNode) more.get("tool_calls").get(0)).putObject("function").put("arguments", piece);
            out.add(data(chatChunk(answer, index, more, null)));
          }
        }
      }
      out.add(data(chatChunk(answer, index, Answers.JSON.createObjectNode(), c.get("finish_reason").asText())));
    }
    if (usage) {
      ObjectNode last = chunkHead(answer, "chat.completion.chunk");
      last.putArray("choices");
      last.set("usage", answer.get("usage"));
      out.add(data(last));
    }
    out.add(DONE);
    return out;
  }

  /** A delta {@code {"tool_calls":[{"index":INDEX}]}}, its entry to be filled in. */
  private static ObjectNode toolDelta(int index) {
    ObjectNode delta = Answers.JSON.createObjectNode();
    delta.putArray("tool_calls").addObject().put("index", index);
    return delta;
  }

  private static ObjectNode chatChunk(ObjectNode answer, int index, ObjectNode delta, String finish) {
    ObjectNode chunk = chunkHead(answer, "chat.completion.chunk");
    ObjectNode choice = chunk.putArray("choices").addObject();
    choice.put("index", index);
    choice.set("delta", delta);
    choice.putNull("logprobs");
    if (finish == null) {
      choice.putNull("finish_reason");
    } else {
      choice.put("finish_reason", finish);
    }
    chunk.putNull("usage");
    return chunk;
  }

  private static ObjectNode chunkHead(ObjectNode answer, String object) {
    ObjectNode chunk = Answers.JSON.createObjectNode();
    chunk.put("id", answer.get("id").asText()).put("object", object)
        .put("created", answer.get("created").asLong()).put("model", answer.get("model").asText());
    return chunk;
  }

  private static List<String> completions(ObjectNode answer, boolean usage) {
    List<String> out = new ArrayList<>();
    for (JsonNode c : answer.get("choices")) {
      int index = c.get("index").asInt();
      for (String piece : pieces(c.get("text").asText(), MAX_PIECE)) {
        out.add(data(textChunk(answer, index, piece, null)));
      }
      out.add(data(textChunk(answer, index, "", c.get("finish_reason").asText())));
    }
    if (usage) {
      ObjectNode last = chunkHead(answer, "text_completion");
      last.putArray("choices");
      last.set("usage", answer.get("usage"));
      out.add(data(last));
    }
    out.add(DONE);
    return out;
  }

  private static ObjectNode textChunk(ObjectNode answer, int index, String text, String finish) {
    ObjectNode chunk = chunkHead(answer, "text_completion");
    ObjectNode choice = chunk.putArray("choices").addObject();
    choice.put("text", text).put("index", index).putNull("logprobs");
    if (finish == null) {
      choice.putNull("finish_reason");
    } else {
      choice.put("finish_reason", finish);
    }
    chunk.putNull("usage");
    return chunk;
  }

  /** The Responses API's events for a response whose output is messages of output_text parts. */
  private static List<String> responses(ObjectNode answer) {
    Events out = new Events();
    ObjectNode done = answer.deepCopy();
    ObjectNode started = answer.deepCopy().put("status", "in_progress");
    started.putArray("output");
    started.putNull("usage");
    out.add("response.created").set("response", started);
    out.add("response.in_progress").set("response", started);
    String digest = answer.get("id").asText().substring("resp_".length());
    ArrayNode items = (ArrayNode) done.get("output");
    for (int o = 0; o < items.size(); o++) {
      ObjectNode item = (ObjectNode) items.get(o);
      String itemId = "msg_" + digest + (o == 0 ? "" : "_" + o);
      // The finished item, as response.completed and output_item.done carry it.
      ObjectNode finished = Answers.JSON.createObjectNode().put("id", itemId).put("type", "message")
          .put("status", "completed");
      item.fields().forEachRemaining(f -> finished.set(f.getKey(), f.getValue()));
      items.set(o, finished);
      ObjectNode opened = finished.deepCopy().put("status", "in_progress");
      opened.putArray("content");
      out.add("response.output_item.added").put("output_index", o).set("item", opened);
      JsonNode parts = finished.path("content");
      for (int k = 0; k < parts.size(); k++) {
        String text = parts.get(k).path("text").asText();
        out.add("response.content_part.added").put("item_id", itemId).put("output_index", o)
            .put("content_index", k).set("part", part(""));
        for (String piece : pieces(text, MAX_PIECE)) {
          ObjectNode e = out.add("response.output_text.delta").put("item_id", itemId)
              .put("output_index", o).put("content_index", k).put("delta", piece);
          e.putArray("logprobs");
        }
        out.add("response.output_text.done").put("item_id", itemId).put("output_index", o)
            .put("content_index", k).put("text", text).putArray("logprobs");
        out.add("response.content_part.done").put("item_id", itemId).put("output_index", o)
            .put("content_index", k).set("part", part(text));
      }
      out.add("response.output_item.done").put("output_index", o).set("item", finished);
    }
    out.add("response.completed").set("response", done);
    return out.frames();
  }

  private static ObjectNode part(String text) {
    ObjectNode p = Answers.JSON.createObjectNode().put("type", "output_text");
    p.putArray("annotations");
    return p.put("text", text);
  }

  /** Typed events with their sequence numbers, written when all are made. */
  private static final class Events {
    private final List<ObjectNode> events = new ArrayList<>();

    ObjectNode add(String type) {
      ObjectNode e = Answers.JSON.createObjectNode().put("type", type).put("sequence_number", events.size());
      events.add(e);
      return e;
    }

    List<String> frames() {
      List<String> out = new ArrayList<>(events.size());
      for (ObjectNode e : events) {
        out.add("event: " + e.get("type").asText() + "\ndata: " + e + "\n\n");
      }
      return out;
    }
  }

  private static String data(JsonNode chunk) {
    return "data: " + chunk + "\n\n";
  }

  /**
   * The text in pieces that join to it: a word each (the space before it goes with it), a word
   * longer than {@code max} characters in pieces of {@code max} (never splitting a surrogate pair).
   */
  static List<String> pieces(String text, int max) {
    List<String> out = new ArrayList<>();
    int start = 0;
    for (int i = 1; i <= text.length(); i++) {
      boolean end = i == text.length()
          || (text.charAt(i) == ' ' && text.charAt(i - 1) != ' ')
          || (i - start >= max && !Character.isLowSurrogate(text.charAt(i)));
      if (end) {
        out.add(text.substring(start, i));
        start = i;
      }
    }
    return out;
  }
}
