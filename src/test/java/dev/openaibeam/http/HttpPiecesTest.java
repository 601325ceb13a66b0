package dev.openaibeam.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import dev.openaibeam.testing.Serialized;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HttpPiecesTest {
  @Test
  void urlsForCompatibleServersAndAzure() {
    assertEquals("https://api.openai.com/v1/chat/completions",
        HttpSettings.of("https://api.openai.com/v1").uriFor("/v1/chat/completions", "m").toString());
    assertEquals("http://h:8000/v1/embeddings",
        HttpSettings.of("http://h:8000/v1/").uriFor("/v1/embeddings", "m").toString());
    assertEquals("http://h:11434/v1/embeddings",
        HttpSettings.of("http://h:11434").uriFor("/v1/embeddings", "m").toString());
    assertEquals("https://res.openai.azure.com/openai/deployments/my%20gpt/chat/completions?api-version=2024-10-21",
        HttpSettings.of("https://res.openai.azure.com").withApiStyle(ApiStyle.AZURE)
            .uriFor("/v1/chat/completions", "my gpt").toString());
  }

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
    RateLimitHeaders h = RateLimitHeaders.parse(Map.of(
        "x-ratelimit-limit-requests", List.of("5000"),
        "x-ratelimit-remaining-requests", List.of("4999"),
        "x-ratelimit-limit-tokens", List.of("-1"),
        "x-ratelimit-reset-requests", List.of("12ms"),
        "x-ratelimit-reset-tokens", List.of("garbage")));
    assertEquals(OptionalLong.of(5000), h.limitRequests());
    assertEquals(OptionalLong.of(4999), h.remainingRequests());
    assertTrue(h.limitTokens().isEmpty(), "-1 means unknown");
    assertEquals(Duration.ofMillis(12), h.resetRequests().get());
    assertTrue(h.resetTokens().isEmpty());
  }

  @Test
  void backoffFollowsTheSdks() {
    RetryPolicy p = RetryPolicy.of(5);
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

  @Test
  void keySourcesNeverShowTheKey(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("key");
    Files.writeString(f, "  sk-from-file-777\n");
    ApiKeySource file = ApiKeySource.fromFile(f.toString());
    assertEquals("sk-from-file-777", file.resolve());
    assertEquals("file:" + f, file.describe());
    assertFalse(Serialized.text(file, HttpSettings.of("https://x/v1"), RetryPolicy.of(3))
        .contains("sk-from-file-777"));
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> ApiKeySource.fromEnv("OPENAI_BEAM_SURELY_UNSET_VAR").resolve());
    assertTrue(e.getMessage().contains("OPENAI_BEAM_SURELY_UNSET_VAR"));
    assertEquals("", ApiKeySource.none().resolve());
  }
}
