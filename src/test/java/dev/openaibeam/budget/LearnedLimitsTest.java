package dev.openaibeam.budget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Limits the service reports, the two ways it reports what is left, and limits found from 429s. */
class LearnedLimitsTest {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final RateBudget NONE_GIVEN =
      RateBudget.unlimited().withHeadroom(1.0).withJitterSeconds(0);

  private static int sendUntil(ShardPacer p, long start, long until) {
    int sent = 0;
    long now = start;
    while (true) {
      now += p.nanosUntil(0, now);
      if (now > until) {
        return sent;
      }
      p.take(0, now);
      sent++;
    }
  }

  private static ServiceReport requests(long limit, long remaining, long resetNanos) {
    return new ServiceReport(limit, remaining, resetNanos);
  }

  @Test
  void givenNoLimit_theServicesLimitIsAdopted() {
    ShardPacer p = new ShardPacer(NONE_GIVEN, 1, 0);
    assertFalse(p.limited());
    assertEquals(0, p.nanosUntil(0, 0));
    p.observe(requests(6000, 5999, 10 * MS), ServiceReport.NONE, 0, 0, 0, 0);
    assertTrue(p.limited());
    assertEquals(6000, p.requestsPerMinute(0));
    assertEquals(LimitSource.SERVICE, p.requestsSource());
    // One window's burst, then 100 a second.
    assertEquals(1100, sendUntil(p, 0, 10 * SECOND), 2);
  }

  @Test
  void aGivenLimitStaysTheUpperBound() {
    ShardPacer p = new ShardPacer(RateBudget.of(3000, 0).withHeadroom(1.0).withJitterSeconds(0), 1, 0);
    p.observe(requests(6000, 5999, 10 * MS), ServiceReport.NONE, 0, 0, 0, 0);
    assertEquals(3000, p.requestsPerMinute(0));
    assertEquals(LimitSource.GIVEN, p.requestsSource());
    p.observe(requests(1200, 1199, 50 * MS), ServiceReport.NONE, 0, 0, 0, 0);
    assertEquals(1200, p.requestsPerMinute(0));
    assertEquals(LimitSource.GIVEN_LOWERED_BY_SERVICE, p.requestsSource());
  }

  @Test
  void aReportedLimitIsFollowedWhenItChanges() {
    ShardPacer p = new ShardPacer(NONE_GIVEN, 1, 0);
    p.observe(requests(600, 599, 100 * MS), ServiceReport.NONE, 0, 0, 0, 0);
    assertEquals(600, p.requestsPerMinute(0));
    p.observe(requests(6000, 5999, 10 * MS), ServiceReport.NONE, 0, 0, SECOND, SECOND);
    assertEquals(6000, p.requestsPerMinute(SECOND));
    assertEquals(100, p.requestRatePerSecond(), 1e-9);
  }

  @Test
  void theResetTellsWhichWayRemainingIsCounted() {
    // OpenAI: 10,000 RPM, one call made, a minute's bucket 6 ms short of full.
    assertTrue(requests(10_000, 9_999, 6 * MS).reportsPerMinute(1));
    // Per minute, but drained by other clients: 10 left, nearly a minute to refill.
    assertTrue(requests(10_000, 10, 59_940 * MS).reportsPerMinute(1));
    // A server reporting its 1 s window's bucket: 3,000 RPM = 50 a window, 20 left.
    assertFalse(requests(3_000, 20, 600 * MS).reportsPerMinute(1));
    assertFalse(requests(3_000, 0, SECOND).reportsPerMinute(1));
  }

  @Test
  void givenWindowReporting_theFirstWindowsBurstIsUsed() {
    ShardPacer p = new ShardPacer(RateBudget.of(3000, 0).withHeadroom(1.0).withJitterSeconds(0), 1, 0);
    // The service's 1 s bucket holds 49 after our first call (rounded down: up to 50): ours is
    // not cut to 49/60.
    p.observe(requests(3000, 49, 20 * MS), ServiceReport.NONE, 0, 0, 0, 0);
    assertEquals(50, p.requestLevel(0), 1e-9);
    // It says 30 (up to 31) were left when it counted our call; since then 10 of ours went after
    // it, and 200 ms refilled 10: 31 at most are ours to send.
    p.observe(requests(3000, 30, 400 * MS), ServiceReport.NONE, 10, 0, 0, 200 * MS);
    assertEquals(31, p.requestLevel(200 * MS), 1e-9);
  }

  @Test
  void givenWindowReportsAnsweredOutOfOrder_capDoesNotRunLow() {
    ShardPacer p = new ShardPacer(RateBudget.of(6000, 0).withHeadroom(1.0).withJitterSeconds(0), 1, 0);
    for (int i = 0; i < 100; i++) {
      p.take(0, 0); // the window's burst of 100 at once
    }
    // The service counts them last first (a cold connection pool) and answers in that order at
    // 200 ms: call n sees n - 1 left. All 100 counted, 20 refilled: 20 are left.
    for (int n = 100; n >= 1; n--) {
      p.observe(requests(6000, n - 1, (101 - n) * 10 * MS), ServiceReport.NONE, 100 - n, 0, 0,
          200 * MS);
    }
    // Taking the 99 sent after call 1 off its 0 again would leave -78.
    assertEquals(20, p.requestLevel(200 * MS), 1e-9);
  }

  @Test
  void givenWindowReportsInOrder_anotherClientsCallsStillCap() {
    ShardPacer p = new ShardPacer(RateBudget.of(6000, 0).withHeadroom(1.0).withJitterSeconds(0), 1, 0);
    for (int i = 0; i < 50; i++) {
      p.take(0, 0);
    }
    // Counted in order, but another client took 30 first: call n sees 100 - 30 - n left.
    for (int n = 1; n <= 50; n++) {
      p.observe(requests(6000, 70 - n, (30 + n) * 10 * MS), ServiceReport.NONE, 50 - n, 0, 0,
          200 * MS);
    }
    // Ours: 100 - 50 + 20 = 70; the service's: 20 left + 20 refilled (+1 for its rounding).
    assertEquals(41, p.requestLevel(200 * MS), 1e-9);
  }

  @Test
  void givenMinuteReporting_remainingIsScaledToOneWindow() {
    ShardPacer p = new ShardPacer(RateBudget.of(6000, 0).withHeadroom(1.0).withJitterSeconds(0), 1, 0);
    p.observe(requests(6000, 5999, 10 * MS), ServiceReport.NONE, 0, 0, 0, 0);
    assertEquals(99.98, p.requestLevel(0), 0.01); // 5,999 per minute is more than a window's 100
    p.observe(requests(6000, 1200, 48 * SECOND), ServiceReport.NONE, 0, 0, 0, 0);
    assertEquals(20, p.requestLevel(0), 1e-9); // another client left 1,200 this minute: 20 a window
  }

  @Test
  void aReportedTokenLimitMakesTokensCount() {
    ShardPacer p = new ShardPacer(NONE_GIVEN, 1, 0);
    assertFalse(p.limitsTokens());
    p.observe(ServiceReport.NONE, new ServiceReport(60_000, 59_000, 10 * MS), 0, 0, 0, 0);
    assertTrue(p.limitsTokens());
    assertEquals(60_000, p.tokensPerMinute());
  }

  @Test
  void givenNoLimitAnywhere_429sSetTheRateAndItSettlesBelowTheService() {
    ShardPacer p = new ShardPacer(NONE_GIVEN, 1, 0);
    // 2 s of sending 80 a second; then 20 of the last second's calls come back 429.
    for (long t = 0; t < 2 * SECOND; t += SECOND / 80) {
      p.take(0, t);
    }
    assertFalse(p.onRateLimited(true, false, 2 * SECOND), "a first overshoot is answered by the cut");
    assertEquals(LimitSource.ADAPTIVE, p.requestsSource());
    for (int i = 1; i < 20; i++) {
      assertFalse(p.onRateLimited(true, false, 2 * SECOND + i * MS));
    }
    // 72 sent in the last second, 20 came back 429: about 52 accepted, and the rate starts under
    // that, however many 429s came back.
    double first = p.requestRatePerSecond();
    assertEquals(52 * AdaptiveRate.DECREASE, first, 1);
    // It closes on the rate of the overshoot between overshoots, then probes above it...
    p.nanosUntil(0, 8 * SECOND);
    assertTrue(p.requestRatePerSecond() > 50, "after 6 s: " + p.requestRatePerSecond());
    p.nanosUntil(0, 14 * SECOND);
    assertTrue(p.requestRatePerSecond() > 54, "probing above it: " + p.requestRatePerSecond());
    // ...a later overshoot cuts it again, and 429s again soon after a cut also make it pause.
    double before = p.requestRatePerSecond();
    assertFalse(p.onRateLimited(true, false, 14 * SECOND));
    assertTrue(p.requestRatePerSecond() < before);
    assertTrue(p.onRateLimited(true, false, 15_500 * MS), "429s persisting after a cut");
  }

  @Test
  void learnedLimitsAndTheFoundRateSurviveASnapshot() {
    ShardPacer a = new ShardPacer(NONE_GIVEN, 1, 0);
    a.observe(requests(6000, 5999, 10 * MS), ServiceReport.NONE, 0, 0, 0, 0);
    ShardPacer b = new ShardPacer(NONE_GIVEN, 1, 5 * SECOND);
    b.restore(a.snapshot(0, 1_000), 5 * SECOND, 1_000);
    assertEquals(6000, b.requestsPerMinute(5 * SECOND));

    ShardPacer c = new ShardPacer(NONE_GIVEN, 1, 0);
    c.take(0, 0);
    c.onRateLimited(true, false, SECOND / 2);
    ShardPacer d = new ShardPacer(NONE_GIVEN, 1, 0);
    d.restore(c.snapshot(SECOND / 2, 2_000), 0, 2_000);
    assertEquals(LimitSource.ADAPTIVE, d.requestsSource());
    assertEquals(c.requestRatePerSecond(), d.requestRatePerSecond(), 1e-9);
  }
}
