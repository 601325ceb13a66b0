package dev.openaibeam.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openaibeam.tokens.TokenEstimate;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A shard's dollar account: reservations, settling, the cap share, and moving between workers. */
class SpendTrackerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  // $1 per 1,000 tokens in and out: a token costs 1,000,000 nano-dollars.
  private static final PriceTable PRICES =
      PriceTable.empty().withPrice("m", ModelPrice.of(1000, 1000));

  @Test
  void reservesTheWorstCaseAndSettlesToTheRealCost() throws Exception {
    SpendTracker t = new SpendTracker(new CostSettings(PRICES, 1.0), 1);
    t.load("k", () -> null);
    // prompt 100 (+10% margin) + completion 50 = 160 tokens = $0.16.
    long worst = t.reservationFor("m", new TokenEstimate(100, 50)).get();
    assertEquals(160_000_000L, worst);
    for (int i = 0; i < 6; i++) {
      assertTrue(t.tryReserve("k", worst));
    }
    assertFalse(t.tryReserve("k", worst), "7 x $0.16 > $1");
    long small = t.reservationFor("m", new TokenEstimate(20, 30)).get(); // 52 tokens: $0.052
    assertFalse(t.tryReserve("k", small), "$0.96 + $0.052 > $1");
    JsonNode answer = JSON.readTree("{\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":8}}");
    t.settle("k", "m", answer, TokenUsage.fromResponse(answer), worst);
    assertEquals(5 * worst, t.reservedNanos("k"));
    assertTrue(t.tryReserve("k", small), "the settled call cost $0.108, not $0.16: room for $0.052");
    t.release("k", small);
    assertEquals(5 * worst, t.reservedNanos("k"));
    assertTrue(t.reservationFor("unknown", new TokenEstimate(1, 1)).isEmpty());
  }

  @Test
  void theCapIsSplitOverShards() {
    SpendTracker t = new SpendTracker(new CostSettings(PRICES, 1.0), 4);
    t.load("a", () -> null);
    assertTrue(t.tryReserve("a", 250_000_000L));
    assertFalse(t.tryReserve("a", 1L), "a shard gets a quarter of the cap");
  }

  @Test
  void anotherWorkerContinuesFromStateCountingReservationsAsSpent() throws Exception {
    CostSettings s = new CostSettings(PRICES, 1.0);
    SpendTracker first = new SpendTracker(s, 1);
    first.load("k", () -> null);
    assertTrue(first.tryReserve("k", 300_000_000L));
    SpendSnapshot written = first.snapshot("k");

    SpendTracker second = new SpendTracker(s, 1);
    second.load("k", () -> written);
    assertEquals(0, second.reservedNanos("k"));
    assertTrue(second.tryReserve("k", 700_000_000L));
    assertFalse(second.tryReserve("k", 1L), "the first worker's reservation is still counted");

    // The writer itself keeps its exact in-memory account in its next bundle: the snapshot it wrote
    // with $0.30 in flight is not restored (that would count the reservation as spent), so the
    // call's real cost, $0.108, is what counts once it settles.
    first.startBundle();
    SpendSnapshot mine = first.snapshot("k");
    JsonNode answer = JSON.readTree("{\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":8}}");
    first.settle("k", "m", answer, TokenUsage.fromResponse(answer), 300_000_000L);
    first.startBundle();
    first.load("k", () -> mine);
    assertEquals(0, first.reservedNanos("k"));
    assertTrue(first.tryReserve("k", 1_000_000_000L - 108_000_000L),
        "the settled cost counts, not the snapshot's reservation");

    // An answer without usage: its real cost is unknown, so its reservation stays spent.
    SpendTracker third = new SpendTracker(s, 1);
    third.load("k", () -> null);
    assertTrue(third.tryReserve("k", 300_000_000L));
    third.settle("k", "m", null, Optional.empty(), 300_000_000L);
    assertFalse(third.tryReserve("k", 700_000_001L), "the unpriced answer's reservation is spent");
  }

  @Test
  void aStoppedShardStaysStoppedWhereverItGoes() {
    CostSettings s = new CostSettings(PRICES, 1.0);
    SpendTracker first = new SpendTracker(s, 1);
    first.load("k", () -> null);
    first.stop("k");
    SpendSnapshot written = first.snapshot("k");
    SpendTracker second = new SpendTracker(s, 1);
    second.load("k", () -> written);
    assertTrue(second.capped("k"));
  }
}
