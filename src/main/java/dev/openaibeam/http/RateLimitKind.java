package dev.openaibeam.http;

/** Which limit a 429 says was hit. */
public enum RateLimitKind {
  NONE,
  REQUESTS,
  TOKENS,
  UNKNOWN
}
