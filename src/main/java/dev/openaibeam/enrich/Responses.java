package dev.openaibeam.enrich;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;

/** Reads the parts of an API answer that join functions need. */
public final class Responses {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Responses() {}

  public static JsonNode parse(String body) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new UncheckedIOException("answer is not JSON", e);
    }
  }

  /**
   * The generated text: the first choice's message content (chat), its text (completions), or the
   * {@code output_text} parts of the Responses API. Throws when there is none (e.g. a refusal).
   */
  public static String text(String body) {
    JsonNode root = parse(body);
    JsonNode choice = root.path("choices").path(0);
    if (choice.path("message").path("content").isTextual()) {
      return choice.path("message").path("content").asText();
    }
    if (choice.path("text").isTextual()) {
      return choice.path("text").asText();
    }
    StringBuilder out = new StringBuilder();
    for (JsonNode item : root.path("output")) {
      for (JsonNode part : item.path("content")) {
        if ("output_text".equals(part.path("type").asText())) {
          out.append(part.path("text").asText());
        }
      }
    }
    if (out.length() > 0) {
      return out.toString();
    }
    String refusal = choice.path("message").path("refusal").asText("");
    throw new IllegalArgumentException(
        refusal.isEmpty() ? "the answer has no text" : "the model refused: " + refusal);
  }

  /** The first embedding of an embeddings answer. */
  public static List<Float> embedding(String body) {
    JsonNode vector = parse(body).path("data").path(0).path("embedding");
    if (!vector.isArray() || vector.isEmpty()) {
      throw new IllegalArgumentException("the answer has no embedding");
    }
    List<Float> out = new ArrayList<>(vector.size());
    for (JsonNode v : vector) {
      out.add(v.floatValue());
    }
    return out;
  }

  /** Prompt (input) tokens from {@code usage}, or null when the answer has none. */
  public static @Nullable Long promptTokens(String body) {
    return usage(body, "prompt_tokens", "input_tokens");
  }

  /** Completion (output) tokens from {@code usage}, or null when the answer has none. */
  public static @Nullable Long completionTokens(String body) {
    return usage(body, "completion_tokens", "output_tokens");
  }

  private static @Nullable Long usage(String body, String name, String responsesApiName) {
    JsonNode usage = parse(body).path("usage");
    JsonNode v = usage.has(name) ? usage.get(name) : usage.get(responsesApiName);
    return v != null && v.canConvertToLong() ? v.asLong() : null;
  }
}
