package dev.openaibeam.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import java.util.List;
import java.util.Locale;

/**
 * The emulated service's own token count: {@code usage.prompt_tokens} with the model's tokenizer
 * and the chat format's overhead, and the rate limiter's charge, prompt + n × the maximum
 * completion tokens. It shares no code with the library's estimator on purpose: the emulator plays
 * the service, so a client's budget arithmetic is checked against it, not copied into it.
 */
final class TokenCounter {
  /** Completion tokens the service reserves for a request that names no maximum. */
  static final long DEFAULT_MAX_TOKENS = 1024;

  // The chat format as OpenAI's cookbook counts it for current models.
  private static final int PER_MESSAGE = 3;
  private static final int PER_NAME = 1;
  private static final int REPLY_PRIMING = 3;
  // An image part: 85 tokens at low detail, else what a 1024x1024 picture costs at high detail.
  private static final int IMAGE_LOW_DETAIL = 85;
  private static final int IMAGE_HIGH_DETAIL = 1105;

  private static final List<String> O200K_MODELS =
      List.of("gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "chatgpt-4o", "o1", "o3", "o4", "gpt-oss");
  private static final List<String> P50K_MODELS = List.of("text-davinci", "davinci", "babbage");
  /** Request fields the service counts as prompt text: tool and output-format definitions. */
  private static final List<String> DEFINITIONS = List.of("tools", "functions", "response_format", "text");
  /** The maximum's field names, in the order a request's own wins. */
  private static final List<String> MAXIMUMS =
      List.of("max_completion_tokens", "max_tokens", "max_output_tokens");

  // Lazy: each tokenizer loads (a second or so) the first time a model of its family is seen.
  private static final EncodingRegistry TOKENIZERS = Encodings.newLazyEncodingRegistry();

  private final Encoding tokenizer;

  private TokenCounter(Encoding tokenizer) {
    this.tokenizer = tokenizer;
  }

  /** The charge of a request to one of the four endpoints (a path such as {@code /v1/responses}). */
  static TokenCharge charge(String endpoint, JsonNode body) {
    // The body's own model picks the tokenizer (an Azure body without one: cl100k_base).
    TokenCounter count = new TokenCounter(tokenizerFor(body.path("model").asText("")));
    long choices = Math.max(1, body.path("n").asLong(1));
    long maximum = maxCompletionTokens(body);
    switch (endpoint) {
      case "/v1/embeddings":
        return new TokenCharge(count.inputs(body.get("input")), 0);
      case "/v1/completions": {
        JsonNode prompt = body.get("prompt");
        long prompts = isTextList(prompt) ? Math.max(1, prompt.size()) : 1;
        return new TokenCharge(count.inputs(prompt), prompts * choices * maximum);
      }
      case "/v1/responses": {
        long prompt = count.responseItems(body.get("input")) + count.string(body.get("instructions"))
            + count.definitions(body);
        return new TokenCharge(prompt, maximum); // the Responses API has no n
      }
      default:
        return new TokenCharge(count.messages(body.get("messages")) + count.definitions(body),
            choices * maximum);
    }
  }

  /** o200k_base, p50k_base or cl100k_base (the commoner choice for anything unknown). */
  static Encoding tokenizerFor(String model) {
    String m = model.toLowerCase(Locale.ROOT);
    if (m.startsWith("ft:")) { // a fine-tune, ft:BASE:org::id, counts like its base
      m = m.substring(3);
    }
    EncodingType type = EncodingType.CL100K_BASE;
    if (startsWithAny(m, O200K_MODELS)) {
      type = EncodingType.O200K_BASE;
    } else if (startsWithAny(m, P50K_MODELS)) {
      type = EncodingType.P50K_BASE;
    }
    return TOKENIZERS.getEncoding(type);
  }

  /** The request's maximum completion tokens (never below 0), or the default when it sets none. */
  static long maxCompletionTokens(JsonNode body) {
    for (String field : MAXIMUMS) {
      JsonNode v = body.get(field);
      if (v != null && v.canConvertToLong()) {
        return Math.max(0, v.asLong());
      }
    }
    return DEFAULT_MAX_TOKENS;
  }

  /** Chat messages: per message its overhead, role, content, name and tool calls; then priming. */
  private long messages(JsonNode messages) {
    long total = REPLY_PRIMING;
    if (messages == null || !messages.isArray()) {
      return total;
    }
    for (JsonNode m : messages) {
      total += PER_MESSAGE + string(m.get("role")) + content(m.get("content"));
      JsonNode name = m.get("name");
      if (name != null && name.isTextual()) {
        total += PER_NAME + tokens(name.asText());
      }
      JsonNode toolCalls = m.get("tool_calls");
      if (toolCalls != null && !toolCalls.isNull()) {
        total += tokens(toolCalls.toString());
      }
    }
    return total;
  }

  /** The Responses API's input: a string, or items counted like chat messages. */
  private long responseItems(JsonNode input) {
    if (input == null || input.isNull()) {
      return 0;
    }
    if (input.isTextual()) {
      return tokens(input.asText());
    }
    long total = REPLY_PRIMING;
    for (JsonNode item : input) {
      total += PER_MESSAGE + string(item.get("role")) + content(item.get("content"));
    }
    return total;
  }

  /** A message's content: a string, or parts (text counted, an image by its detail). */
  private long content(JsonNode content) {
    if (content == null || content.isNull()) {
      return 0;
    }
    if (content.isTextual()) {
      return tokens(content.asText());
    }
    if (!content.isArray()) {
      return tokens(content.toString());
    }
    long total = 0;
    for (JsonNode part : content) {
      if (part.has("text")) {
        total += string(part.get("text"));
      } else if (part.path("type").asText("").contains("image")) {
        String detail = part.path("image_url").path("detail").asText(part.path("detail").asText(""));
        total += detail.equals("low") ? IMAGE_LOW_DETAIL : IMAGE_HIGH_DETAIL;
      } else {
        total += part.isTextual() ? tokens(part.asText()) : tokens(part.toString());
      }
    }
    return total;
  }

  /** An embeddings input or a completions prompt: text, a list of them, or token ids. */
  private long inputs(JsonNode input) {
    if (input == null || input.isNull()) {
      return 0;
    }
    if (input.isTextual()) {
      return tokens(input.asText());
    }
    if (!input.isArray()) {
      return tokens(input.toString());
    }
    if (isTokenIds(input)) {
      return input.size();
    }
    long total = 0;
    for (JsonNode item : input) {
      total += inputs(item);
    }
    return total;
  }

  private long definitions(JsonNode body) {
    long total = 0;
    for (String field : DEFINITIONS) {
      JsonNode v = body.get(field);
      if (v != null && v.isContainerNode()) {
        total += tokens(v.toString());
      }
    }
    return total;
  }

  /** A string field's tokens; 0 when it is absent or not a string. */
  private long string(JsonNode v) {
    return v != null && v.isTextual() ? tokens(v.asText()) : 0;
  }

  private long tokens(String text) {
    return tokenizer.countTokensOrdinary(text);
  }

  /** A prompt that is a list of texts (or of token-id lists), not one list of token ids. */
  private static boolean isTextList(JsonNode prompt) {
    return prompt != null && prompt.isArray() && !isTokenIds(prompt);
  }

  private static boolean isTokenIds(JsonNode array) {
    return array.size() > 0 && array.get(0).isIntegralNumber();
  }

  private static boolean startsWithAny(String s, List<String> prefixes) {
    for (String p : prefixes) {
      if (s.startsWith(p)) {
        return true;
      }
    }
    return false;
  }
}
