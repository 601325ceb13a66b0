package dev.openaibeam.enrich;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openaibeam.cost.TokenUsage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Reads the parts of an API answer that join functions need. Each reader takes the answer's body
 * as text or, to read several parts of one answer without parsing it again, as the tree {@link
 * #parse} returns.
 */
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
    return text(parse(body));
  }

  /** {@link #text(String)} of a parsed answer. */
  public static String text(JsonNode answer) {
    JsonNode choice = answer.path("choices").path(0);
    if (choice.path("message").path("content").isTextual()) {
      return choice.path("message").path("content").asText();
    }
    if (choice.path("text").isTextual()) {
      return choice.path("text").asText();
    }
    StringBuilder out = new StringBuilder();
    for (JsonNode item : answer.path("output")) {
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
    return embedding(parse(body));
  }

  /** {@link #embedding(String)} of a parsed answer. */
  public static List<Float> embedding(JsonNode answer) {
    JsonNode vector = answer.path("data").path(0).path("embedding");
    if (!vector.isArray() || vector.isEmpty()) {
      throw new IllegalArgumentException("the answer has no embedding");
    }
    List<Float> out = new ArrayList<>(vector.size());
    for (JsonNode v : vector) {
      out.add(v.floatValue());
    }
    return out;
  }

  /**
   * Prompt (input) tokens from {@code usage} (Chat Completions, Completions, Embeddings or Responses
   * API), or null when the answer has no usage.
   */
  public static @Nullable Long promptTokens(String body) {
    return promptTokens(parse(body));
  }

  /** {@link #promptTokens(String)} of a parsed answer. */
  public static @Nullable Long promptTokens(JsonNode answer) {
    return TokenUsage.fromResponse(answer).map(TokenUsage::inputTokens).orElse(null);
  }

  /**
   * Completion (output) tokens from {@code usage} (Chat Completions, Completions or Responses API),
   * or null when the answer has no usage.
   */
  public static @Nullable Long completionTokens(String body) {
    return completionTokens(parse(body));
  }

  /** {@link #completionTokens(String)} of a parsed answer. */
  public static @Nullable Long completionTokens(JsonNode answer) {
    return TokenUsage.fromResponse(answer).map(TokenUsage::outputTokens).orElse(null);
  }
}
