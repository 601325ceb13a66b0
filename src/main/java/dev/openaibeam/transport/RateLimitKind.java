package dev.openaibeam.transport;

/** Which limit a 429 says was hit. */
public enum RateLimitKind {
  NONE,
  REQUESTS,
  TOKENS,
  UNKNOWN
}
