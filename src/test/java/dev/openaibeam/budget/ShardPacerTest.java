package dev.openaibeam.budget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ShardPacerTest {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  /** Simulates sending as fast as the pacer allows; returns how many were sent by {@code until}. */
  private static int sendUntil(ShardPacer p, long cost, long start, long until) {
    int sent = 0;
    long now = start;
    while (true) {
      long wait = p.nanosUntil(cost, now);
      now += wait;
      if (now > until) {
        return sent;
      }
      p.take(cost, now);
      sent++;
    }
  }

  @Test
  void burstsOneWindowThenPacesAtTheLimit() {
    // 6,000 RPM, 1 s window, no headroom: 100 at once, then 100 per second.
    ShardPacer p = new ShardPacer(RateBudget.of(6000, 0).withHeadroom(1.0).withJitterSeconds(0), 1, 0);
    assertEquals(100, sendUntil(p, 0, 0, 0));
    int paced = sendUntil(p, 0, 0, 10 * SECOND);
    assertEquals(1000, paced, 1);
  }

  @Test
  void sharesAddUpToTheBudget() {
    RateBudget budget = RateBudget.of(6000, 0).withHeadroom(1.0).withJitterSeconds(0);
    int total = 0;
    for (int s = 0; s < 4; s++) {
      total += sendUntil(new ShardPacer(budget, 4, 0), 0, 0, 10 * SECOND);
    }
    assertEquals(1100, total, 4);
  }

  @Test
  void headroomKeepsUnderTheLimit() {
    ShardPacer p = new ShardPacer(RateBudget.of(6000, 0).withJitterSeconds(0), 1, 0);
    int sent = sendUntil(p, 0, 0, 10 * SECOND);
    assertTrue(sent <= 1100 * 0.99 + 1, "sent " + sent);
    assertTrue(sent >= 1100 * 0.98, "sent " + sent);
  }

  @Test
  void tokensBoundWhenTheyRunOutFirst() {
    // 300,000 TPM = 5,000 tokens/s; 200-token calls: 25 per second after a 25-call burst.
    ShardPacer p = new ShardPacer(RateBudget.of(100_000, 300_000).withHeadroom(1.0).withJitterSeconds(0), 1, 0);
    int sent = sendUntil(p, 200, 0, 10 * SECOND);
    assertEquals(25 + 250, sent, 1);
  }

  @Test
  void aCallBiggerThanTheWindowWaitsForAFullBucket() {
    ShardPacer p = new ShardPacer(RateBudget.of(0, 60_000).withHeadroom(1.0).withJitterSeconds(0), 1, 0); // 1,000/s
    p.take(500, 0);
    assertTrue(p.nanosUntil(5_000, 0) > 0);
    assertEquals(0, p.nanosUntil(5_000, SECOND));
  }

  @Test
  void rateLimitEmptiesTheBucketAndRefundGivesBack() {
    ShardPacer p = new ShardPacer(RateBudget.of(6000, 0).withHeadroom(1.0).withJitterSeconds(0), 1, 0);
    p.onRateLimited(true, false, 0);
    assertTrue(p.nanosUntil(0, 0) > 0);
    p.refund(0, 0);
    assertEquals(0, p.nanosUntil(0, 0));
  }

  @Test
  void headersLowerTheLimitAndTheLevel() {
    ShardPacer p = new ShardPacer(RateBudget.of(6000, 0).withHeadroom(1.0).withJitterSeconds(0), 1, 0);
    // The service says the real limit is 600 RPM and only 60 (per minute units) remain: 1 now.
    p.observe(new ServiceReport(600, 60, -1), ServiceReport.NONE, 0, 0, 0, 0);
    assertEquals(1.0, p.requestLevel(0), 1e-9);
    int sent = sendUntil(p, 0, 0, 10 * SECOND);
    assertEquals(1 + 100, sent, 1);
  }

  @Test
  void snapshotRestoresOnAnotherClock() {
    ShardPacer a = new ShardPacer(RateBudget.of(6000, 0).withHeadroom(1.0).withJitterSeconds(0), 1, 0);
    sendUntil(a, 0, 0, 0); // empty it
    PacerSnapshot s = a.snapshot(0, 1_000_000);
    // Another worker, another nanoTime origin, 500 ms of wall time later: 50 refilled.
    ShardPacer b = new ShardPacer(RateBudget.of(6000, 0).withHeadroom(1.0).withJitterSeconds(0), 1, 77 * SECOND);
    b.restore(s, 77 * SECOND, 1_000_500);
    assertEquals(50, b.requestLevel(77 * SECOND), 0.5);
  }

  @Test
  void jitterAllowanceTrimsTheBurstOnly() {
    ShardPacer p = new ShardPacer(RateBudget.of(6000, 0).withHeadroom(1.0), 1, 0);
    assertEquals(95, sendUntil(p, 0, 0, 0)); // 100 less 50 ms of refill
    assertEquals(1000, sendUntil(p, 0, 0, 10 * SECOND), 1);
  }

  @Test
  void unlimitedNeverWaits() {
    ShardPacer p = new ShardPacer(RateBudget.unlimited(), 1, 0);
    for (int i = 0; i < 10_000; i++) {
      p.take(1_000_000, 0);
    }
    assertEquals(0, p.nanosUntil(1_000_000, 0));
  }

  @Test
  void shardOfIsStableAndSpread() {
    int[] counts = new int[4];
    for (int i = 0; i < 4000; i++) {
      counts[BudgetKeys.shardOf("row-" + i, 4)]++;
    }
    for (int c : counts) {
      assertTrue(c > 850 && c < 1150, "uneven: " + c);
    }
    assertEquals(BudgetKeys.shardOf("abc", 7), BudgetKeys.shardOf("abc", 7));
  }
}
