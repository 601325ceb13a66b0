package dev.openaibeam.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TransportPiecesTest {
  @Test
  void goDurations() {
    assertEquals(Duration.ofSeconds(1), GoDurations.parse("1s"));
    assertEquals(Duration.ofMinutes(6), GoDurations.parse("6m0s"));
    assertEquals(Duration.ofMillis(12), GoDurations.parse("12ms"));
    assertEquals(Duration.ofMillis(1500), GoDurations.parse("1.5s"));
    assertEquals(Duration.ofMillis(150_250), GoDurations.parse("2m30.25s"));
    assertEquals(Duration.ofMinutes(62), GoDurations.parse("1h2m"));
    assertEquals(Duration.ofNanos(500_000), GoDurations.parse("500us"));
    assertEquals(Duration.ZERO, GoDurations.parse("0s"));
    assertThrows(IllegalArgumentException.class, () -> GoDurations.parse("soon"));
    assertThrows(IllegalArgumentException.class, () -> GoDurations.parse("5x"));
  }

  @Test
  void rateLimitHeadersAreHints() {
    Map<String, String> headers = Map.of(
        "x-ratelimit-limit-requests", "5000",
        "x-ratelimit-remaining-requests", "4999",
        "x-ratelimit-limit-tokens", "-1",
        "x-ratelimit-reset-requests", "12ms",
        "x-ratelimit-reset-tokens", "garbage");
    RateLimitHeaders h = RateLimitHeaders.parse(headers::get);
    assertEquals(OptionalLong.of(5000), h.limitRequests());
    assertEquals(OptionalLong.of(4999), h.remainingRequests());
    assertTrue(h.limitTokens().isEmpty(), "-1 means unknown");
    assertEquals(Duration.ofMillis(12), h.resetRequests().get());
    assertTrue(h.resetTokens().isEmpty());
  }

  @Test
  void backoffFollowsTheSdks() {
    Backoff p = Backoff.standard();
    Random r = new Random(1);
    for (int i = 0; i < 200; i++) {
      long first = p.delayMillis(1, OptionalLong.empty(), r);
      assertTrue(first >= 375 && first <= 500, "first " + first);
      long capped = p.delayMillis(10, OptionalLong.empty(), r);
      assertTrue(capped >= 6_000 && capped <= 8_000, "capped " + capped);
      long told = p.delayMillis(1, OptionalLong.of(2_000), r);
      assertTrue(told >= 2_000 && told <= 2_200, "retry-after " + told);
    }
    long hour = p.withMaxRetryAfter(Duration.ofSeconds(60)).delayMillis(1, OptionalLong.of(3_600_000), r);
    assertTrue(hour >= 60_000 && hour <= 66_000, "an hour's retry-after is capped: " + hour);
  }
}
