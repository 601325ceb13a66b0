package dev.openaibeam.http;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * The {@code x-ratelimit-*} headers of one response. Any may be absent, or {@code -1}/{@code 0}
 * (some Azure deployments): they are hints, never requirements.
 */
public final class RateLimitHeaders {
  private static final RateLimitHeaders NONE =
      new RateLimitHeaders(
          OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(),
          Optional.empty(), Optional.empty());

  private final OptionalLong limitRequests;
  private final OptionalLong limitTokens;
  private final OptionalLong remainingRequests;
  private final OptionalLong remainingTokens;
  private final Optional<Duration> resetRequests;
  private final Optional<Duration> resetTokens;

  private RateLimitHeaders(
      OptionalLong limitRequests,
      OptionalLong limitTokens,
      OptionalLong remainingRequests,
      OptionalLong remainingTokens,
      Optional<Duration> resetRequests,
      Optional<Duration> resetTokens) {
    this.limitRequests = limitRequests;
    this.limitTokens = limitTokens;
    this.remainingRequests = remainingRequests;
    this.remainingTokens = remainingTokens;
    this.resetRequests = resetRequests;
    this.resetTokens = resetTokens;
  }

  public static RateLimitHeaders none() {
    return NONE;
  }

  public static RateLimitHeaders parse(HttpHeaders h) {
    return parse(name -> h.firstValue(name).orElse(null));
  }

  public static RateLimitHeaders parse(Map<String, List<String>> headers) {
    return parse(
        name -> {
          for (Map.Entry<String, List<String>> e : headers.entrySet()) {
            if (e.getKey() != null && e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) {
              return e.getValue().get(0);
            }
          }
          return null;
        });
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

  public OptionalLong limitRequests() {
    return limitRequests;
  }

  public OptionalLong limitTokens() {
    return limitTokens;
  }

  public OptionalLong remainingRequests() {
    return remainingRequests;
  }

  public OptionalLong remainingTokens() {
    return remainingTokens;
  }

  public Optional<Duration> resetRequests() {
    return resetRequests;
  }

  public Optional<Duration> resetTokens() {
    return resetTokens;
  }
}
