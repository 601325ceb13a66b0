package dev.openaibeam.cost;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.tokens.TokenEstimate;
import dev.openaibeam.tokens.TokenEstimator;
import java.io.IOException;
import java.io.Serializable;
import java.util.Optional;

/**
 * Estimates a request's tokens before any call: the prompt with {@link TokenEstimator} (the same
 * count the rate budget uses), and the completion two ways.
 *
 * <ul>
 *   <li><b>upper bound</b>: every choice uses its full maximum ({@code max_completion_tokens},
 *       {@code max_tokens} or {@code max_output_tokens}, else the estimator's default), n choices
 *       (times the prompts of a Completions array). No answer can be longer, except one whose
 *       request sets no maximum.
 *   <li><b>expected</b>: with {@link #withExpectedOutputTokens(int) expectedOutputTokens} = E > 0,
 *       each choice is assumed to use min(max, E) tokens; a figure the user supplies from what
 *       their answers usually take. Without E it equals the upper bound.
 * </ul>
 *
 * <p>Embeddings have no completion. Cached input is not assumed (every prompt token at the input
 * price), so caching can only make the real bill lower.
 */
public final class CostEstimator implements Serializable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One request's estimate; {@code model} is the request's, as written. */
  public record RowEstimate(
      String model, long promptTokens, long completionTokensMax, long completionTokensExpected) {}

  private final TokenEstimator tokens;
  private final int expectedOutputTokens;

  private CostEstimator(TokenEstimator tokens, int expectedOutputTokens) {
    this.tokens = tokens;
    this.expectedOutputTokens = expectedOutputTokens;
  }

  public static CostEstimator of(TokenEstimator tokens) {
    return new CostEstimator(tokens, 0);
  }

  /** Tokens one answer choice is expected to use (capped by its max); 0 = assume the max. */
  public CostEstimator withExpectedOutputTokens(int tokensPerChoice) {
    if (tokensPerChoice < 0) {
      throw new IllegalArgumentException("expectedOutputTokens must be >= 0");
    }
    return new CostEstimator(tokens, tokensPerChoice);
  }

  public int getExpectedOutputTokens() {
    return expectedOutputTokens;
  }

  /** Empty when the body is not a JSON object (the job fails such a row without calling). */
  public Optional<RowEstimate> estimate(ApiRequest request) {
    JsonNode body;
    try {
      body = JSON.readTree(request.getBody());
    } catch (IOException e) {
      return Optional.empty();
    }
    if (body == null || !body.isObject()) {
      return Optional.empty();
    }
    TokenEstimate t = tokens.estimate(request.getEndpoint(), body);
    long perChoice = maxTokensPerChoice(body);
    long expected = t.completionTokens();
    if (expectedOutputTokens > 0 && perChoice > 0) {
      long choices = t.completionTokens() / perChoice;
      expected = choices * Math.min(perChoice, expectedOutputTokens);
    }
    return Optional.of(
        new RowEstimate(body.path("model").asText(""), t.promptTokens(), t.completionTokens(), expected));
  }

  /** A human sentence stating the completion assumption, printed with every estimate. */
  public String assumption() {
    String max = "max_completion_tokens / max_tokens / max_output_tokens, else --defaultMaxTokens="
        + tokens.getDefaultMaxTokens();
    if (expectedOutputTokens > 0) {
      return "expected: each answer choice uses min(its max, " + expectedOutputTokens
          + ") tokens (--expectedOutputTokens); upper bound: every choice uses its full max (" + max
          + "); prompts counted with jtokkit; no cached input assumed";
    }
    return "UPPER BOUND: every answer choice is assumed to use its full max (" + max
        + "); set --expectedOutputTokens for an expected figure; prompts counted with jtokkit;"
        + " no cached input assumed";
  }

  private long maxTokensPerChoice(JsonNode body) {
    for (String f : new String[] {"max_completion_tokens", "max_tokens", "max_output_tokens"}) {
      JsonNode v = body.get(f);
      if (v != null && v.canConvertToLong()) {
        return Math.max(0, v.asLong());
      }
    }
    return tokens.getDefaultMaxTokens();
  }
}
