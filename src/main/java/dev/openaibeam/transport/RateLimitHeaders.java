package dev.openaibeam.transport;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * The {@code x-ratelimit-*} headers of one response. Any may be absent, or {@code -1}/{@code 0}
 * (some Azure deployments): they are hints, never requirements.
 */
public record RateLimitHeaders(
    OptionalLong limitRequests,
    OptionalLong limitTokens,
    OptionalLong remainingRequests,
    OptionalLong remainingTokens,
    Optional<Duration> resetRequests,
    Optional<Duration> resetTokens) {
  private static final RateLimitHeaders NONE =
      new RateLimitHeaders(
          OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(),
          Optional.empty(), Optional.empty());

  public static RateLimitHeaders none() {
    return NONE;
  }

  /** From a header lookup (first value by case-insensitive name, null when absent). */
  public static RateLimitHeaders parse(Function<String, String> header) {
    return new RateLimitHeaders(
        positive(header.apply("x-ratelimit-limit-requests")),
        positive(header.apply("x-ratelimit-limit-tokens")),
        nonNegative(header.apply("x-ratelimit-remaining-requests")),
        nonNegative(header.apply("x-ratelimit-remaining-tokens")),
        duration(header.apply("x-ratelimit-reset-requests")),
        duration(header.apply("x-ratelimit-reset-tokens")));
  }

  private static OptionalLong positive(String v) {
    OptionalLong n = number(v);
    return n.isPresent() && n.getAsLong() > 0 ? n : OptionalLong.empty();
  }

  private static OptionalLong nonNegative(String v) {
    OptionalLong n = number(v);
    return n.isPresent() && n.getAsLong() >= 0 ? n : OptionalLong.empty();
  }

  private static OptionalLong number(String v) {
    if (v == null) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of((long) Double.parseDouble(v.trim()));
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  private static Optional<Duration> duration(String v) {
    if (v == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(GoDurations.parse(v));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
