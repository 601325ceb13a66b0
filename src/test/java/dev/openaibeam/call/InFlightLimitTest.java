package dev.openaibeam.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class InFlightLimitTest {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  @Test
  void givenSlowCalls_theLimitFollowsRateTimesLatency() {
    InFlightLimit l = new InFlightLimit(0);
    // 30,000 RPM (500/s), answers take 20 s: 10,000 in flight, plus margin and a window's burst.
    l.answered(20 * SECOND);
    int n = l.limit(500, 500, true, 0, 0);
    assertTrue(n >= 12_500 && n <= Math.max(12_500, InFlightLimit.memoryCap()), "limit " + n);
  }

  @Test
  void beforeTheFirstSlowAnswer_theOldestCallsAgeGrowsTheLimit() {
    InFlightLimit l = new InFlightLimit(0);
    assertEquals(InFlightLimit.FLOOR, l.limit(500, 500, true, 0, 0));
    int later = l.limit(500, 500, true, 8 * SECOND, 8 * SECOND);
    assertTrue(later >= 500 * 8, "after 8 s with nothing back: " + later);
  }

  @Test
  void aFixedLimitIsKept() {
    InFlightLimit l = new InFlightLimit(64);
    l.answered(20 * SECOND);
    assertEquals(64, l.limit(500, 500, true, 20 * SECOND, 0));
    assertEquals(64, l.cap());
  }

  @Test
  void givenNoLimitKnown_itStartsSlowlyUntilThe429() {
    InFlightLimit l = new InFlightLimit(0);
    assertEquals(16, l.limit(0, 0, false, 0, 0));
    assertEquals(32, l.limit(0, 0, false, 0, TimeUnit.MILLISECONDS.toNanos(250)));
    assertEquals(64, l.limit(0, 0, false, 0, TimeUnit.MILLISECONDS.toNanos(500)));
    l.rateLimited();
    assertEquals(InFlightLimit.FLOOR, l.limit(0, 0, false, 0, TimeUnit.MILLISECONDS.toNanos(600)));
  }

  @Test
  void givenAFastUnlimitedService_theSlowStartEndsWithinTwoSeconds() {
    InFlightLimit l = new InFlightLimit(0);
    l.limit(0, 0, false, 0, 0);
    assertEquals(InFlightLimit.FLOOR, l.limit(0, 0, false, 0, 2 * SECOND));
  }
}
