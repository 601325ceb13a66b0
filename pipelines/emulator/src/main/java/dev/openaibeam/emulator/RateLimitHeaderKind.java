package dev.openaibeam.emulator;

import java.util.Locale;

/**
 * How the emulator reports what is left of a key's limits, as the services it plays do. Every kind
 * enforces the same way (the window's buckets); only the headers and the 429's words differ.
 */
public enum RateLimitHeaderKind {
  /**
   * OpenAI: {@code x-ratelimit-limit-*} per minute, and remaining and reset of a per-minute bucket
   * (9,999 and 6ms after one call at 10,000 RPM), though the service enforces on the window.
   */
  MINUTE,
  /**
   * Other OpenAI-compatible servers and gateways: the limit per minute, remaining and reset of the
   * enforcing window's own bucket (never above limit × window / 60).
   */
  WINDOW,
  /**
   * vLLM, llama.cpp, some gateways: no {@code x-ratelimit-*} header at all, and a 429 that says
   * only {@code retry-after} in whole seconds, nothing a client could learn the limit from.
   */
  NONE;

  /** {@code minute}, {@code window} or {@code none}, as the command line spells them. */
  static RateLimitHeaderKind parse(String value) {
    try {
      return valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--rateLimitHeaders must be minute, window or none, not " + value, e);
    }
  }
}
