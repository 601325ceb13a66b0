package dev.openaibeam.tokens;

/**
 * Tokens a request will be charged against a TPM budget: the prompt, plus the completion tokens
 * the service reserves up front (n × max tokens, times the number of prompts for completions).
 */
public final class TokenEstimate {
  private final long promptTokens;
  private final long completionTokens;

  public TokenEstimate(long promptTokens, long completionTokens) {
    this.promptTokens = promptTokens;
    this.completionTokens = completionTokens;
  }

  public long promptTokens() {
    return promptTokens;
  }

  /** The completion tokens reserved by the rate limiter, not the ones a response will use. */
  public long completionTokens() {
    return completionTokens;
  }

  public long total() {
    return promptTokens + completionTokens;
  }

  @Override
  public String toString() {
    return "TokenEstimate{prompt=" + promptTokens + ", completion=" + completionTokens + "}";
  }
}
