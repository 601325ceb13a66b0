package dev.openaibeam.emulator;

/**
 * What the emulated service counts for one request: the prompt tokens it reports as usage, and the
 * completion tokens its rate limiter reserves up front (n × the request's maximum, per prompt).
 */
record TokenCharge(long promptTokens, long reservedCompletionTokens) {
  /** What the token bucket is charged. */
  long total() {
    return promptTokens + reservedCompletionTokens;
  }
}
