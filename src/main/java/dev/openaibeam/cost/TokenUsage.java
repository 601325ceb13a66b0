package dev.openaibeam.cost;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.Serializable;
import java.util.Optional;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The tokens one answer was billed for, read from its {@code usage}: input (of which {@code
 * cachedInputTokens} were served from the prompt cache) and output (reasoning tokens included).
 *
 * <p>Reads both shapes: Chat Completions, Completions and Embeddings ({@code prompt_tokens},
 * {@code prompt_tokens_details.cached_tokens}, {@code completion_tokens}; embeddings have no
 * completion) and the Responses API ({@code input_tokens}, {@code input_tokens_details.cached_tokens},
 * {@code output_tokens}).
 */
public record TokenUsage(long inputTokens, long cachedInputTokens, long outputTokens)
    implements Serializable {

  public TokenUsage {
    if (inputTokens < 0 || cachedInputTokens < 0 || outputTokens < 0) {
      throw new IllegalArgumentException("token counts must be >= 0");
    }
    // A cached count above the input count would price negative uncached input.
    cachedInputTokens = Math.min(cachedInputTokens, inputTokens);
  }

  public static TokenUsage of(long inputTokens, long cachedInputTokens, long outputTokens) {
    return new TokenUsage(inputTokens, cachedInputTokens, outputTokens);
  }

  /** The usage of a response body ({@code {"usage":{...}}}), empty when it has none. */
  public static Optional<TokenUsage> fromResponse(@Nullable JsonNode responseBody) {
    return responseBody == null ? Optional.empty() : fromUsage(responseBody.get("usage"));
  }

  /** The {@code usage} object itself, empty when it is missing or not an object. */
  public static Optional<TokenUsage> fromUsage(@Nullable JsonNode usage) {
    if (usage == null || !usage.isObject()) {
      return Optional.empty();
    }
    boolean responsesApi = !usage.has("prompt_tokens") && usage.has("input_tokens");
    long input = usage.path(responsesApi ? "input_tokens" : "prompt_tokens").asLong(0);
    long cached =
        usage
            .path(responsesApi ? "input_tokens_details" : "prompt_tokens_details")
            .path("cached_tokens")
            .asLong(0);
    long output = usage.path(responsesApi ? "output_tokens" : "completion_tokens").asLong(0);
    return Optional.of(new TokenUsage(Math.max(0, input), Math.max(0, cached), Math.max(0, output)));
  }

  public long uncachedInputTokens() {
    return inputTokens - cachedInputTokens;
  }
}
