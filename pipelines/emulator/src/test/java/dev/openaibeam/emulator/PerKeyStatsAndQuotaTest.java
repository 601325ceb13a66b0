package dev.openaibeam.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Each key's counters in the stats, and an account whose quota runs out after some calls. */
class PerKeyStatsAndQuotaTest {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  /** The service's answer, to the letter. */
  private static final String INSUFFICIENT_QUOTA = "{\"error\":{\"message\":\"You exceeded your "
      + "current quota, please check your plan and billing details.\",\"type\":\"insufficient_quota\","
      + "\"param\":null,\"code\":\"insufficient_quota\"}}";

  private static String chat(int i) {
    return "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello " + i
        + "\"}],\"max_tokens\":5}";
  }

  private static HttpRequest request(OpenAiEmulator emu, int i, String key) {
    return HttpRequest.newBuilder(URI.create(emu.baseUrl() + "/chat/completions"))
        .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + key)
        .POST(HttpRequest.BodyPublishers.ofString(chat(i))).build();
  }

  private static HttpResponse<String> post(OpenAiEmulator emu, int i, String key) throws Exception {
    return HTTP.send(request(emu, i, key), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void givenQuotaAfterThreeCalls_fourthCallIsInsufficientQuota() throws Exception {
    EmulatorConfig cfg = EmulatorConfig.builder().quotaAfterCalls("sk-pool-b", 3).build();
    try (OpenAiEmulator emu = OpenAiEmulator.start(cfg)) {
      for (int i = 0; i < 3; i++) {
        assertEquals(200, post(emu, i, "sk-pool-b").statusCode());
      }
      for (int i = 3; i < 6; i++) {
        HttpResponse<String> r = post(emu, i, "sk-pool-b");
        assertEquals(429, r.statusCode());
        assertEquals(INSUFFICIENT_QUOTA, r.body());
      }
      assertEquals(200, post(emu, 9, "sk-pool-a").statusCode(), "another key keeps its quota");
      EmulatorStats s = emu.stats();
      assertEquals(new KeyStats(3, 0, 0, 3), s.key("sk-pool-b"));
      assertEquals(new KeyStats(1, 0, 0, 0), s.key("sk-pool-a"));
      assertEquals(3, s.quotaErrors());

      emu.resetStats();
      assertEquals(200, post(emu, 10, "sk-pool-b").statusCode(), "a reset restores the quota");
    }
  }

  @Test
  void givenQuotaAfterCalls_concurrentCallsGetExactlyThatManyAccepted() throws Exception {
    EmulatorConfig cfg = EmulatorConfig.builder().quotaAfterCalls("sk-pool-b", 50)
        .latency(LatencyModel.fixed(20)).build();
    try (OpenAiEmulator emu = OpenAiEmulator.start(cfg)) {
      List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
      for (int i = 0; i < 400; i++) {
        all.add(HTTP.sendAsync(request(emu, i, "sk-pool-b"), HttpResponse.BodyHandlers.ofString()));
      }
      int ok = 0;
      for (CompletableFuture<HttpResponse<String>> f : all) {
        HttpResponse<String> r = f.get();
        if (r.statusCode() == 200) {
          ok++;
        } else {
          assertEquals(INSUFFICIENT_QUOTA, r.body());
        }
      }
      assertEquals(50, ok);
      assertEquals(new KeyStats(50, 0, 0, 350), emu.stats().key("sk-pool-b"));
    }
  }

  @Test
  void givenQuotaOfTwo_rateLimitedCallsUseNoneOfIt() {
    long t0 = 1_000_000_000_000L;
    // 60 RPM in a 1 s window: one call a second.
    KeyBuckets b = new KeyBuckets(60, 0, 1, RateLimitHeaderKind.MINUTE, 2, t0);
    assertTrue(b.admit(10, t0).admitted);
    KeyBuckets.Admission limited = b.admit(10, t0);
    assertFalse(limited.admitted);
    assertEquals("requests", limited.kind);
    assertFalse(b.outOfQuota());
    assertTrue(b.admit(10, t0 + 1_000_000_000L).admitted);
    assertTrue(b.outOfQuota());
    assertSame(KeyBuckets.OUT_OF_QUOTA, b.admit(10, t0 + 60_000_000_000L), "not refilled by time");
  }

  @Test
  void givenQuotaAfterZeroCalls_keyIsOutOfQuotaAtOnceAndAcceptedThoughNotListed() throws Exception {
    EmulatorConfig cfg = EmulatorConfig.builder().acceptedKeys(Set.of("sk-pool-a"))
        .quotaAfterCalls("sk-pool-z", 0).build();
    try (OpenAiEmulator emu = OpenAiEmulator.start(cfg)) {
      HttpResponse<String> r = post(emu, 0, "sk-pool-z");
      assertEquals(429, r.statusCode());
      assertEquals(INSUFFICIENT_QUOTA, r.body());
    }
  }

  @Test
  void givenSeveralKeys_eachKeysCallsAreCountedApart() throws Exception {
    EmulatorConfig cfg = EmulatorConfig.builder()
        .acceptedKeys(Set.of("sk-pool-a", "sk-pool-slow"))
        .quotaExhaustedKeys(Set.of("sk-pool-broke"))
        .keyLimits("sk-pool-slow", 60, 0).windowSeconds(10) // 10 calls, then 429s
        .build();
    try (OpenAiEmulator emu = OpenAiEmulator.start(cfg)) {
      for (int i = 0; i < 4; i++) {
        assertEquals(200, post(emu, i, "sk-pool-a").statusCode());
      }
      int slowOk = 0;
      for (int i = 0; i < 14; i++) {
        slowOk += post(emu, i, "sk-pool-slow").statusCode() == 200 ? 1 : 0;
      }
      for (int i = 0; i < 2; i++) {
        assertEquals(401, post(emu, i, "sk-pool-wrong").statusCode());
        assertEquals(429, post(emu, i, "sk-pool-broke").statusCode());
      }
      EmulatorStats s = emu.stats();
      assertEquals(new KeyStats(4, 0, 0, 0), s.key("sk-pool-a"));
      assertEquals(new KeyStats(slowOk, 14 - slowOk, 0, 0), s.key("sk-pool-slow"));
      assertTrue(slowOk >= 10 && slowOk <= 11, "accepted " + slowOk);
      assertEquals(new KeyStats(0, 0, 2, 0), s.key("sk-pool-wrong"));
      assertEquals(new KeyStats(0, 0, 0, 2), s.key("sk-pool-broke"));
      assertEquals(Set.of("sk-pool-a", "sk-pool-slow", "sk-pool-wrong", "sk-pool-broke"),
          s.perKey().keySet());
      assertEquals(s.accepted(), s.perKey().values().stream().mapToLong(KeyStats::accepted).sum());
      assertEquals(s.rateLimited(),
          s.perKey().values().stream().mapToLong(KeyStats::rateLimited).sum());

      emu.resetStats();
      assertTrue(emu.stats().perKey().isEmpty());
    }
  }

  @Test
  void givenCallsWithKeys_statsTextNamesThemOnlyByLabel() throws Exception {
    try (OpenAiEmulator emu = OpenAiEmulator.start(EmulatorConfig.builder().build())) {
      post(emu, 0, "sk-pool-secret-a1b2");
      post(emu, 1, "short");
      EmulatorStats s = emu.stats();
      for (String text : List.of(s.toJson(), s.toString())) {
        assertFalse(text.contains("sk-pool-secret"), text);
        assertFalse(text.contains("short"), text);
        assertTrue(text.contains("\"per_key\":[{\"key\":\"****\",\"accepted\":1,"), text);
        assertTrue(text.contains(",{\"key\":\"...a1b2\",\"accepted\":1,\"rate_limited\":0,"
            + "\"auth_errors\":0,\"quota_errors\":0}],"), text);
      }
      assertEquals("(none)", KeyStats.label(null));
    }
  }

  @Test
  void givenQuotaAfterCallsFlag_configHoldsEachKeysQuota() {
    EmulatorConfig c =
        EmulatorConfig.fromArgs(new String[] {"--quotaAfterCalls=sk-pool-b:300,sk-x:y:2"});
    assertEquals(300, c.quotaCallsFor("sk-pool-b"));
    assertEquals(2, c.quotaCallsFor("sk-x:y"), "the last colon ends the key");
    assertEquals(KeyBuckets.NO_QUOTA, c.quotaCallsFor("sk-other"));
    assertThrows(IllegalArgumentException.class,
        () -> EmulatorConfig.fromArgs(new String[] {"--quotaAfterCalls=sk-pool-b"}));
  }
}
