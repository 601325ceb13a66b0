package dev.openaibeam.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The buckets on a clock of the test's own: what each kind reports, and that all enforce alike. */
class KeyBucketsTest {
  private static final long T0 = 1_000_000_000_000L;
  private static final long MS = 1_000_000L;

  private static HttpHeaders headers(KeyBuckets b, long now) {
    HttpHeaders h = new DefaultHttpHeaders();
    b.headers(h, now);
    return h;
  }

  @Test
  void minuteKindCountsAgainstTheMinuteLikeOpenAi() {
    KeyBuckets b = new KeyBuckets(10_000, 1_000_000, 1, RateLimitHeaderKind.MINUTE, T0);
    assertTrue(b.admit(20, T0).admitted);
    HttpHeaders h = headers(b, T0);
    assertEquals("10000", h.get("x-ratelimit-limit-requests"));
    assertEquals("9999", h.get("x-ratelimit-remaining-requests"));
    assertEquals("6ms", h.get("x-ratelimit-reset-requests"), "1 request at 10,000 RPM");
    assertEquals("1000000", h.get("x-ratelimit-limit-tokens"));
    assertEquals("999980", h.get("x-ratelimit-remaining-tokens"));
    assertEquals("1.2ms", h.get("x-ratelimit-reset-tokens"), "20 tokens at 1,000,000 TPM");
    for (int i = 1; i < 100; i++) {
      assertTrue(b.admit(20, T0).admitted);
    }
    h = headers(b, T0);
    assertEquals("9900", h.get("x-ratelimit-remaining-requests"), "far above the window's 166");
    assertEquals("600ms", h.get("x-ratelimit-reset-requests"));
    h = headers(b, T0 + 300 * MS); // half of it back at 166.7 a second
    assertEquals("9950", h.get("x-ratelimit-remaining-requests"));
    assertEquals("300ms", h.get("x-ratelimit-reset-requests"));
    h = headers(b, T0 + 60_000 * MS);
    assertEquals("10000", h.get("x-ratelimit-remaining-requests"));
    assertEquals("0s", h.get("x-ratelimit-reset-requests"));
  }

  @Test
  void minuteKindStillSaysPlentyLeftWhenTheWindowRefuses() {
    KeyBuckets b = new KeyBuckets(6_000, 0, 1, RateLimitHeaderKind.MINUTE, T0);
    int admitted = 0;
    while (b.admit(1, T0).admitted) {
      admitted++;
    }
    assertEquals(100, admitted, "a 1 s window of 6,000 RPM");
    HttpHeaders h = headers(b, T0);
    assertEquals("5900", h.get("x-ratelimit-remaining-requests"));
    assertEquals("1s", h.get("x-ratelimit-reset-requests"));
    assertFalse(h.contains("x-ratelimit-limit-tokens"), "no TPM limit, no token headers");
  }

  @Test
  void windowKindReportsTheEnforcingBucket() {
    KeyBuckets b = new KeyBuckets(6_000, 60_000, 1, RateLimitHeaderKind.WINDOW, T0);
    assertTrue(b.admit(10, T0).admitted);
    HttpHeaders h = headers(b, T0);
    assertEquals("6000", h.get("x-ratelimit-limit-requests"), "the limit stays per minute");
    assertEquals("99", h.get("x-ratelimit-remaining-requests"));
    assertEquals("10ms", h.get("x-ratelimit-reset-requests"));
    assertEquals("990", h.get("x-ratelimit-remaining-tokens"));
    assertEquals("10ms", h.get("x-ratelimit-reset-tokens"));
    while (b.admit(10, T0).admitted) {
      // empties the window: 100 requests, 1,000 tokens
    }
    h = headers(b, T0);
    assertEquals("0", h.get("x-ratelimit-remaining-requests"));
    assertEquals("1s", h.get("x-ratelimit-reset-requests"));
    h = headers(b, T0 + 60_000 * MS);
    assertEquals("100", h.get("x-ratelimit-remaining-requests"), "never above one window's worth");
    assertEquals("1000", h.get("x-ratelimit-remaining-tokens"));
  }

  @Test
  void remainingNeverNegativeAfterABigCall() {
    for (RateLimitHeaderKind kind : List.of(RateLimitHeaderKind.MINUTE, RateLimitHeaderKind.WINDOW)) {
      KeyBuckets b = new KeyBuckets(0, 600, 1, kind, T0);
      assertTrue(b.admit(600, T0).admitted, "needs only the window's 10 tokens");
      HttpHeaders h = headers(b, T0);
      assertEquals("0", h.get("x-ratelimit-remaining-tokens"), kind.toString());
      // A minute to refill 600 tokens at 10 a second, in either bucket (the window's is at -590).
      assertEquals("1m0s", h.get("x-ratelimit-reset-tokens"), kind.toString());
    }
  }

  @Test
  void noneKindSendsNoHeader() {
    KeyBuckets b = new KeyBuckets(6_000, 60_000, 1, RateLimitHeaderKind.NONE, T0);
    b.admit(10, T0);
    assertTrue(headers(b, T0).isEmpty());
  }

  @Test
  void everyKindAdmitsAndRefusesTheSameCalls() {
    List<String> first = null;
    for (RateLimitHeaderKind kind : RateLimitHeaderKind.values()) {
      KeyBuckets b = new KeyBuckets(600, 6_000, 1, kind, T0);
      List<String> decisions = new ArrayList<>();
      long now = T0;
      for (int i = 0; i < 400; i++) {
        now += (i % 50 < 40 ? 1 : 150) * MS; // bursts, then pauses
        KeyBuckets.Admission a = b.admit(5 + i % 30, now);
        decisions.add(a.admitted + "/" + a.kind + "/" + a.waitMillis);
        headers(b, now); // reporting must not change what is enforced
      }
      if (first == null) {
        first = decisions;
        assertTrue(decisions.stream().anyMatch(d -> d.startsWith("false/requests")));
        assertTrue(decisions.stream().anyMatch(d -> d.startsWith("false/tokens")));
      } else {
        assertEquals(first, decisions, kind.toString());
      }
    }
  }

  @Test
  void acceptedPerSecondIsBoundedAndAddsUp() {
    StatsRecorder s = new StatsRecorder(1);
    s.accepted(1, T0);
    s.accepted(1, T0 + 400 * MS);
    s.accepted(1, T0 + 1_500 * MS);
    s.accepted(1, T0 + 4_000 * MS);
    assertEquals(List.of(2, 1, 0, 0, 1), s.snapshot().acceptedPerSecond());
    s.accepted(1, T0 + 200_000_000 * MS); // after more than a day: the last second kept
    List<Integer> perSecond = s.snapshot().acceptedPerSecond();
    assertEquals(StatsRecorder.MAX_SECONDS, perSecond.size());
    assertEquals(1, perSecond.get(StatsRecorder.MAX_SECONDS - 1));
    assertEquals(5, perSecond.stream().mapToInt(Integer::intValue).sum());
    assertEquals(3, s.snapshot().acceptedInSeconds(0, 2));
    s.reset();
    assertTrue(s.snapshot().acceptedPerSecond().isEmpty());
  }
}
