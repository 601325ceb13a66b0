package dev.openaibeam.engine.frontdoor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AdmissionTest {
  @Test
  void givenQueueTheBudgetServesInTime_admits() {
    Admission a = new Admission(10_000, 60, 6_000, new AnswerRate()); // 100/s: 6,000 in 60 s
    assertTrue(a.refuse(5_999, 0).isEmpty());
  }

  @Test
  void givenQueueLongerThanTheBudgetServesInTime_refusesWithTheSecondsUntilThereIsRoom() {
    Admission a = new Admission(100_000, 60, 6_000, new AnswerRate());
    assertEquals(1, a.refuse(6_000, 0).getAsLong());
    assertEquals(10, a.refuse(6_999, 0).getAsLong());
  }

  @Test
  void givenMaxConcurrentRequestsHeld_refuses() {
    Admission a = new Admission(200, 60, 6_000, new AnswerRate());
    assertTrue(a.refuse(199, 0).isEmpty());
    assertEquals(1, a.refuse(200, 0).getAsLong());
  }

  @Test
  void givenNoLimitConfigured_usesTheRateAnswersCameAt() {
    AnswerRate rate = new AnswerRate();
    long t = 5_000_000_000L;
    for (int i = 0; i < 20; i++) {
      rate.record(t); // 20 answers in one second
    }
    Admission a = new Admission(100_000, 2, 0, rate);
    assertTrue(a.refuse(39, t).isEmpty());
    assertTrue(a.refuse(40, t).isPresent());
  }

  @Test
  void givenNothingKnownYet_admits() {
    assertTrue(new Admission(100_000, 1, 0, new AnswerRate()).refuse(1_000, 0).isEmpty());
  }
}
