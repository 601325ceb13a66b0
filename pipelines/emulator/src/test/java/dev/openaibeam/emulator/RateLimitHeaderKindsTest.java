package dev.openaibeam.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Each {@link RateLimitHeaderKind} as a client sees it on the wire, and one enforcement for all. */
class RateLimitHeaderKindsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SUB_MINUTE = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(us|ms|s)");

  /** {@code calls} chat calls, one after another on one connection, each body distinct. */
  private static List<RawHttp.Response> calls(OpenAiEmulator emu, String key, int calls)
      throws Exception {
    List<RawHttp.Response> answers = new ArrayList<>();
    try (RawHttp c = new RawHttp(emu.port(), 5_000)) {
      for (int i = 0; i < calls; i++) {
        c.send(RawHttp.post("/v1/chat/completions", key, "{\"model\":\"gpt-4o-mini\",\"messages\":"
            + "[{\"role\":\"user\",\"content\":\"call " + i + "\"}],\"max_tokens\":5}"));
        answers.add(c.read());
      }
    }
    return answers;
  }

  private static OpenAiEmulator start(RateLimitHeaderKind kind, long rpm, long tpm, double window)
      throws Exception {
    return OpenAiEmulator.start(EmulatorConfig.builder().rpm(rpm).tpm(tpm).windowSeconds(window)
        .rateLimitHeaders(kind).build());
  }

  /** A Go duration under a minute ("6ms", "1.2s", "0s"), in milliseconds. */
  private static double millis(String goDuration) {
    Matcher m = SUB_MINUTE.matcher(goDuration);
    assertTrue(m.matches(), "a duration under a minute: " + goDuration);
    double v = Double.parseDouble(m.group(1));
    return switch (m.group(2)) {
      case "us" -> v / 1000;
      case "ms" -> v;
      default -> v * 1000;
    };
  }

  private static long number(RawHttp.Response r, String header) {
    String v = r.header(header);
    assertNotNull(v, header + " on a " + r.status());
    return Long.parseLong(v);
  }

  @Test
  void minuteKindCountsEachCallAgainstThePerMinuteLimit() throws Exception {
    try (OpenAiEmulator emu = start(RateLimitHeaderKind.MINUTE, 6_000, 600_000, 1)) {
      List<RawHttp.Response> answers = calls(emu, "k", 5);
      for (int n = 1; n <= 5; n++) {
        RawHttp.Response r = answers.get(n - 1);
        assertEquals(200, r.status());
        assertEquals(6_000, number(r, "x-ratelimit-limit-requests"));
        long remaining = number(r, "x-ratelimit-remaining-requests");
        // This call is counted; refill between calls can only give some back, up to 5,999.
        assertTrue(remaining >= 6_000 - n && remaining <= 5_999, n + " calls: " + remaining);
        double reset = millis(r.header("x-ratelimit-reset-requests"));
        assertTrue(reset > 0 && reset <= n * 10.0, "10 ms a call at 6,000 RPM: " + reset);
        assertTrue(r.header("x-ratelimit-reset-requests").endsWith("ms"));
        assertEquals(600_000, number(r, "x-ratelimit-limit-tokens"));
        assertTrue(number(r, "x-ratelimit-remaining-tokens") < 600_000);
      }
    }
  }

  @Test
  void minuteKindRefusesOnTheWindowWithPlentyLeftForTheMinute() throws Exception {
    // 600 RPM on a 1 s window: 10 calls a second, while the minute has 600.
    try (OpenAiEmulator emu = start(RateLimitHeaderKind.MINUTE, 600, 0, 1)) {
      RawHttp.Response limited = calls(emu, "k", 15).stream().filter(r -> r.status() == 429)
          .findFirst().orElseThrow();
      long remaining = number(limited, "x-ratelimit-remaining-requests");
      assertTrue(remaining >= 585 && remaining <= 590, "the minute's count: " + remaining);
      assertTrue(Long.parseLong(limited.header("retry-after-ms")) > 0);
      assertEquals("1", limited.header("retry-after"));
      JsonNode error = JSON.readTree(limited.text()).get("error");
      assertTrue(error.get("message").asText().contains("Limit 600, Used 600, Requested 1"),
          error.toString());
      assertEquals("requests", error.get("type").asText());
      assertEquals("rate_limit_exceeded", error.get("code").asText());
    }
  }

  @Test
  void windowKindNeverReportsMoreThanOneWindow() throws Exception {
    // 600 RPM and 60,000 TPM on a 1 s window: 10 requests, 1,000 tokens.
    try (OpenAiEmulator emu = start(RateLimitHeaderKind.WINDOW, 600, 60_000, 1)) {
      List<RawHttp.Response> answers = calls(emu, "k", 15);
      assertTrue(answers.stream().anyMatch(r -> r.status() == 429));
      for (RawHttp.Response r : answers) {
        assertEquals(600, number(r, "x-ratelimit-limit-requests"));
        assertTrue(number(r, "x-ratelimit-remaining-requests") <= 10, r.headers().toString());
        assertTrue(number(r, "x-ratelimit-remaining-tokens") <= 1_000, r.headers().toString());
        assertTrue(millis(r.header("x-ratelimit-reset-requests")) <= 1_000, r.headers().toString());
      }
      assertEquals(9, number(answers.get(0), "x-ratelimit-remaining-requests"));
    }
  }

  @Test
  void noneKindTellsNothingOfItsLimits() throws Exception {
    try (OpenAiEmulator emu = OpenAiEmulator.start(EmulatorConfig.builder().rpm(600).windowSeconds(1)
        .keyLimits("tokens-key", 0, 300).rateLimitHeaders(RateLimitHeaderKind.NONE).build())) {
      List<RawHttp.Response> answers = new ArrayList<>(calls(emu, "k", 15));
      answers.addAll(calls(emu, "tokens-key", 5)); // 5 tokens a second: the second call waits
      for (RawHttp.Response r : answers) {
        assertTrue(r.headers().keySet().stream().noneMatch(h -> h.startsWith("x-ratelimit")),
            r.headers().toString());
      }
      List<String> types = new ArrayList<>();
      for (RawHttp.Response r : answers) {
        if (r.status() != 429) {
          continue;
        }
        assertNull(r.header("retry-after-ms"));
        assertTrue(Long.parseLong(r.header("retry-after")) >= 1, r.headers().toString());
        JsonNode error = JSON.readTree(r.text()).get("error");
        assertEquals(RateLimiter.BARE_MESSAGE, error.get("message").asText());
        assertEquals("rate_limit_exceeded", error.get("code").asText());
        types.add(error.get("type").asText());
      }
      assertTrue(types.contains("requests") && types.contains("tokens"), types.toString());
    }
  }

  @Test
  void everyKindRefusesTheSameBurst() throws Exception {
    // Slow refills (0.1 request, 0.5 token a second): the burst's timing cannot change the count.
    List<String> counts = new ArrayList<>();
    for (RateLimitHeaderKind kind : RateLimitHeaderKind.values()) {
      try (OpenAiEmulator emu = OpenAiEmulator.start(EmulatorConfig.builder().rpm(6).windowSeconds(60)
          .keyLimits("tokens-key", 0, 30).rateLimitHeaders(kind).build())) {
        calls(emu, "k", 12);
        calls(emu, "tokens-key", 6);
        EmulatorStats s = emu.stats();
        counts.add(s.accepted() + " accepted, " + s.rateLimitedRequests() + " requests, "
            + s.rateLimitedTokens() + " tokens");
      }
    }
    assertEquals(List.of(counts.get(0), counts.get(0), counts.get(0)), counts);
    // 6 of the 12 calls fit the request bucket; the 30 tokens hold a few of the 6 token-key calls.
    assertTrue(counts.get(0).contains(", 6 requests, ") && !counts.get(0).endsWith(" 0 tokens"),
        counts.get(0));
  }

  @Test
  void acceptedPerSecondAddsUpToAccepted() throws Exception {
    try (OpenAiEmulator emu = OpenAiEmulator.start(EmulatorConfig.builder().build())) {
      for (int i = 0; i < 6; i++) {
        calls(emu, "k", 2);
        Thread.sleep(450);
      }
      EmulatorStats s = emu.stats();
      assertEquals(12, s.accepted());
      assertTrue(s.acceptedPerSecond().size() >= 3, s.acceptedPerSecond().toString());
      assertEquals(12, s.acceptedPerSecond().stream().mapToInt(Integer::intValue).sum());
      assertEquals(12, s.acceptedInSeconds(0, Integer.MAX_VALUE));
      String json = s.toJson();
      assertTrue(json.startsWith("{\"received\":12,\"accepted\":12,"), json);
      assertTrue(json.matches(".*,\"accepted_tokens\":[0-9]+,\"accepted_per_second\":\\[[0-9,]+\\]}"),
          json);
    }
  }

  @Test
  void commandLineKinds() {
    assertEquals(RateLimitHeaderKind.MINUTE, EmulatorConfig.fromArgs(new String[0]).rateLimitHeaders);
    assertEquals(RateLimitHeaderKind.WINDOW,
        EmulatorConfig.fromArgs(new String[] {"--rateLimitHeaders=window"}).rateLimitHeaders);
    assertEquals(RateLimitHeaderKind.NONE,
        EmulatorConfig.fromArgs(new String[] {"--rateLimitHeaders=none"}).rateLimitHeaders);
    assertThrows(IllegalArgumentException.class,
        () -> EmulatorConfig.fromArgs(new String[] {"--rateLimitHeaders=hourly"}));
    assertFalse(EmulatorConfig.builder().build().toString().isEmpty());
  }
}
