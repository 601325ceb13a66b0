package dev.openaibeam.streaming;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.function.LongSupplier;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Turns the events of a streamed answer into the object the same request answers unstreamed: a
 * {@code chat.completion} from {@code chat.completion.chunk}s (content, refusal and tool calls
 * joined per choice, finish reasons, {@code usage} when the request asked for it), a {@code
 * text_completion} from its chunks, or the Responses API's final {@code response}. It notes when
 * the first token arrived. A stream is complete only with its end ({@code [DONE]}, or the
 * Responses API's terminal event): one cut short is {@link Assembled#problem() unreadable}, an
 * {@code error} inside the stream is the service's {@link Assembled#error() error}.
 */
public final class StreamAssembler implements EventStreamParser.EventSink {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * What a stream came to: exactly one of {@code answer} (complete), {@code error} (the service's
   * error object, sent inside the stream) and {@code problem} (why it cannot be read).
   */
  public record Assembled(
      @Nullable ObjectNode answer, @Nullable JsonNode error, @Nullable String problem, int events) {}

  private final LongSupplier clock;
  private final ChatChunks chat = new ChatChunks();
  private long firstTokenNanos = -1;
  private int events;
  private boolean done;
  private @Nullable ObjectNode responsesFinal;
  private @Nullable JsonNode error;
  private @Nullable String problem;

  public StreamAssembler(LongSupplier clock) {
    this.clock = clock;
  }

  /** {@code System.nanoTime()} when the first content arrived; -1 before that. */
  public long firstTokenNanos() {
    return firstTokenNanos;
  }

  @Override
  public void event(String name, String data) {
    events++;
    if (done || error != null || problem != null) {
      return; // nothing after the end counts
    }
    if (data.equals("[DONE]")) {
      done = true;
      return;
    }
    JsonNode node;
    try {
      node = JSON.readTree(data);
    } catch (JsonProcessingException e) {
      problem = "event " + events + " of the stream is not JSON: " + e.getOriginalMessage();
      return;
    }
    if (node == null || !node.isObject()) {
      problem = "event " + events + " of the stream is not a JSON object";
      return;
    }
    String type = node.path("type").asText("");
    if (node.has("error") && !node.path("error").isNull() && !type.startsWith("response.")) {
      error = node.get("error"); // chat: {"error": {...}}; responses: {"type": "error", ...}
      return;
    }
    if (type.equals("error")) {
      error = node;
      return;
    }
    if (type.startsWith("response.")) {
      responsesEvent(type, node);
    } else if (chat.add(node)) {
      firstToken();
    }
  }

  private void responsesEvent(String type, JsonNode node) {
    switch (type) {
      case "response.output_text.delta", "response.refusal.delta",
          "response.function_call_arguments.delta" -> firstToken();
      case "response.completed", "response.incomplete" -> {
        JsonNode r = node.get("response");
        if (r != null && r.isObject()) {
          responsesFinal = (ObjectNode) r;
          done = true;
        }
      }
      case "response.failed" -> {
        JsonNode r = node.path("response");
        error = r.path("error").isObject() ? r.get("error") : node;
      }
      default -> {}
    }
  }

  private void firstToken() {
    if (firstTokenNanos < 0) {
      firstTokenNanos = clock.getAsLong();
    }
  }

  /** What the whole stream came to, once the body has ended. */
  public Assembled finish() {
    if (error != null) {
      return new Assembled(null, error, null, events);
    }
    if (problem != null) {
      return new Assembled(null, null, problem, events);
    }
    if (!done) {
      return new Assembled(null, null, "the stream ended after " + events
          + " events without its end ([DONE] or response.completed): it was cut short", events);
    }
    if (responsesFinal != null) {
      return new Assembled(responsesFinal, null, null, events);
    }
    ObjectNode answer = chat.answer();
    if (answer == null) {
      return new Assembled(null, null, "the stream carried no answer (" + events + " events)", events);
    }
    return new Assembled(answer, null, null, events);
  }
}
