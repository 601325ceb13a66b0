package dev.openaibeam.tokens;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import java.io.Serializable;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Estimates what a request costs against a TPM budget, the way OpenAI's rate limiter charges it:
 * prompt tokens (counted with the model family's tokenizer, plus chat message overhead) plus n ×
 * the maximum completion tokens ({@code max_tokens}, {@code max_completion_tokens} or {@code
 * max_output_tokens}; {@link #DEFAULT_MAX_TOKENS} when the request sets none).
 *
 * <p>Serializable and cheap to copy; the encodings themselves are shared per JVM.
 */
public final class TokenEstimator implements Serializable {
  /** Completion tokens reserved for a request that sets no maximum. */
  public static final int DEFAULT_MAX_TOKENS = 1024;

  // Chat format overhead as the OpenAI cookbook counts it for current models.
  static final int TOKENS_PER_MESSAGE = 3;
  static final int TOKENS_PER_NAME = 1;
  static final int REPLY_PRIMING = 3;
  // A low-detail image costs 85 tokens; high detail up to ~1,105 for 1024x1024. Reserve the larger.
  static final int IMAGE_TOKENS_LOW = 85;
  static final int IMAGE_TOKENS_HIGH = 1105;

  private final @Nullable EncodingType encodingOverride;
  private final int defaultMaxTokens;

  private TokenEstimator(@Nullable EncodingType encodingOverride, int defaultMaxTokens) {
    this.encodingOverride = encodingOverride;
    this.defaultMaxTokens = defaultMaxTokens;
  }

  public static TokenEstimator create() {
    return new TokenEstimator(null, DEFAULT_MAX_TOKENS);
  }

  /** Uses this encoding (for example {@code o200k_base}) whatever the model. */
  public TokenEstimator withEncoding(String encodingName) {
    return new TokenEstimator(ModelEncodings.parse(encodingName), defaultMaxTokens);
  }

  /** Completion tokens to reserve when a request sets no maximum. */
  public TokenEstimator withDefaultMaxTokens(int tokens) {
    if (tokens < 0) {
      throw new IllegalArgumentException("defaultMaxTokens must be >= 0");
    }
    return new TokenEstimator(encodingOverride, tokens);
  }

  public int getDefaultMaxTokens() {
    return defaultMaxTokens;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof TokenEstimator
        && ((TokenEstimator) o).encodingOverride == encodingOverride
        && ((TokenEstimator) o).defaultMaxTokens == defaultMaxTokens;
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(encodingOverride, defaultMaxTokens);
  }

  /**
   * @param endpoint the API path, e.g. {@code /v1/chat/completions} (Azure paths end the same way)
   * @param body the request body as sent
   */
  public TokenEstimate estimate(String endpoint, JsonNode body) {
    Encoding enc = encodingFor(body.path("model").asText(""));
    long n = Math.max(1, body.path("n").asLong(1));
    if (endpoint.endsWith("/embeddings")) {
      return new TokenEstimate(countInput(enc, body.get("input")), 0);
    }
    if (endpoint.endsWith("/chat/completions")) {
      long prompt = countChat(enc, body.get("messages")) + countTools(enc, body);
      return new TokenEstimate(prompt, n * maxTokens(body));
    }
    if (endpoint.endsWith("/completions")) {
      JsonNode p = body.get("prompt");
      long prompts = p != null && p.isArray() && !isTokenArray(p) ? Math.max(1, p.size()) : 1;
      return new TokenEstimate(countInput(enc, p), prompts * n * maxTokens(body));
    }
    if (endpoint.endsWith("/responses")) {
      long prompt =
          countResponsesInput(enc, body.get("input"))
              + countText(enc, body.get("instructions"))
              + countTools(enc, body);
      return new TokenEstimate(prompt, maxTokens(body));
    }
    // Unknown endpoint: count the whole body as text, reserve the default completion.
    return new TokenEstimate(enc.countTokensOrdinary(body.toString()), n * maxTokens(body));
  }

  /** Counts plain text with the tokenizer of {@code model}. */
  public long countText(String model, String text) {
    return encodingFor(model).countTokensOrdinary(text);
  }

  private Encoding encodingFor(String model) {
    EncodingType type =
        encodingOverride != null ? encodingOverride : ModelEncodings.encodingTypeFor(model);
    return ModelEncodings.encoding(type);
  }

  private long maxTokens(JsonNode body) {
    for (String field : new String[] {"max_completion_tokens", "max_tokens", "max_output_tokens"}) {
      JsonNode v = body.get(field);
      if (v != null && v.canConvertToLong()) {
        return Math.max(0, v.asLong());
      }
    }
    return defaultMaxTokens;
  }

  private static long countChat(Encoding enc, @Nullable JsonNode messages) {
    if (messages == null || !messages.isArray()) {
      return REPLY_PRIMING;
    }
    long total = REPLY_PRIMING;
    for (JsonNode m : messages) {
      total += TOKENS_PER_MESSAGE;
      total += countText(enc, m.get("role"));
      total += countContent(enc, m.get("content"));
      JsonNode name = m.get("name");
      if (name != null && name.isTextual()) {
        total += TOKENS_PER_NAME + enc.countTokensOrdinary(name.asText());
      }
      JsonNode toolCalls = m.get("tool_calls");
      if (toolCalls != null && !toolCalls.isNull()) {
        total += enc.countTokensOrdinary(toolCalls.toString());
      }
    }
    return total;
  }

  /** A string, or an array of parts: text parts are counted, images reserved by detail. */
  private static long countContent(Encoding enc, @Nullable JsonNode content) {
    if (content == null || content.isNull()) {
      return 0;
    }
    if (content.isTextual()) {
      return enc.countTokensOrdinary(content.asText());
    }
    if (!content.isArray()) {
      return enc.countTokensOrdinary(content.toString());
    }
    long total = 0;
    for (JsonNode part : content) {
      String type = part.path("type").asText("");
      if (part.has("text")) {
        total += countText(enc, part.get("text"));
      } else if (type.contains("image")) {
        String detail = part.path("image_url").path("detail").asText(part.path("detail").asText(""));
        total += "low".equals(detail) ? IMAGE_TOKENS_LOW : IMAGE_TOKENS_HIGH;
      } else if (part.isTextual()) {
        total += enc.countTokensOrdinary(part.asText());
      } else {
        total += enc.countTokensOrdinary(part.toString());
      }
    }
    return total;
  }

  /** Embedding input or completion prompt: string, array of strings, token array(s). */
  private static long countInput(Encoding enc, @Nullable JsonNode input) {
    if (input == null || input.isNull()) {
      return 0;
    }
    if (input.isTextual()) {
      return enc.countTokensOrdinary(input.asText());
    }
    if (input.isArray()) {
      if (isTokenArray(input)) {
        return input.size();
      }
      long total = 0;
      for (JsonNode item : input) {
        total += countInput(enc, item);
      }
      return total;
    }
    return enc.countTokensOrdinary(input.toString());
  }

  /** The Responses API's input: a string or a list of items (messages, whose content has parts). */
  private static long countResponsesInput(Encoding enc, @Nullable JsonNode input) {
    if (input == null || input.isNull()) {
      return 0;
    }
    if (input.isTextual()) {
      return enc.countTokensOrdinary(input.asText());
    }
    long total = 0;
    for (JsonNode item : input) {
      total += TOKENS_PER_MESSAGE + countText(enc, item.get("role"));
      total += countContent(enc, item.get("content"));
    }
    return total + REPLY_PRIMING;
  }

  private static long countTools(Encoding enc, JsonNode body) {
    long total = 0;
    for (String field : new String[] {"tools", "functions", "response_format", "text"}) {
      JsonNode v = body.get(field);
      if (v != null && (v.isArray() || v.isObject())) {
        total += enc.countTokensOrdinary(v.toString());
      }
    }
    return total;
  }

  private static long countText(Encoding enc, @Nullable JsonNode text) {
    return text != null && text.isTextual() ? enc.countTokensOrdinary(text.asText()) : 0;
  }

  private static boolean isTokenArray(JsonNode array) {
    return array.size() > 0 && array.get(0).isIntegralNumber();
  }
}
