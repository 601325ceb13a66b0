package dev.openaibeam.budget;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class SendOrderTest {
  @Test
  void countsWhatWasSentLaterAndAnsweredEarlier() {
    SendOrder o = new SendOrder();
    for (int seq = 1; seq <= 4; seq++) {
      o.sent(seq, 10L * seq);
    }
    o.answered(3);
    o.answered(4);
    assertArrayEquals(new long[] {2, 70}, o.answeredAfter(1));
    assertArrayEquals(new long[] {1, 40}, o.answeredAfter(3));
    o.answered(1);
    assertArrayEquals(new long[] {2, 70}, o.answeredAfter(2));
    assertArrayEquals(new long[] {0, 0}, o.answeredAfter(9)); // not sent: nothing known
  }

  @Test
  void agreesWithCountingThroughManyCallsInFlightAnsweredInAnyOrder() {
    SendOrder o = new SendOrder();
    Random random = new Random(13);
    TreeMap<Long, Long> answered = new TreeMap<>(); // answered calls, by number, with their tokens
    List<Long> inFlight = new ArrayList<>();
    long next = 1;
    for (int step = 0; step < 40_000; step++) {
      // Up to about 3,000 in flight: the ring grows past its first 1,024 slots and wraps.
      if (inFlight.isEmpty() || (inFlight.size() < 3000 && random.nextInt(100) < 52)) {
        long tokens = random.nextInt(50);
        o.sent(next, tokens);
        answered.put(-next, tokens); // negative: sent, not answered
        inFlight.add(next++);
        continue;
      }
      long seq = inFlight.remove(random.nextInt(inFlight.size()));
      long count = 0;
      long tokens = 0;
      for (var e : answered.tailMap(seq, false).entrySet()) {
        count++;
        tokens += e.getValue();
      }
      assertArrayEquals(new long[] {count, tokens}, o.answeredAfter(seq), "call " + seq);
      o.answered(seq);
      answered.put(seq, answered.remove(-seq));
    }
  }
}
