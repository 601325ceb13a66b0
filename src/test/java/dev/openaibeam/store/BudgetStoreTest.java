package dev.openaibeam.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openaibeam.budget.SharedBudget;
import dev.openaibeam.budget.SharedBudget.Limits;
import dev.openaibeam.emulator.RedisServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** The store's semantics against a real redis-server of the test's own. */
class BudgetStoreTest {
  // 100 requests per second, a burst of 10 (0.1 s): a second's worth of checks runs fast.
  private static final Limits LIMITS = new Limits(100, 10, 0, 0);
  private static RedisServer redis;

  @BeforeAll
  static void startRedis() throws Exception {
    redis = RedisServer.start();
  }

  @AfterAll
  static void stopRedis() throws Exception {
    redis.close();
  }

  private static String budget() {
    return "budget-" + UUID.randomUUID();
  }

  private static SharedBudget job(BudgetStore store, String budget, double weight) {
    return store.withWeight(weight).open(UUID.randomUUID().toString(), budget, "*");
  }

  /** Reserves as fast as allowed for {@code millis}, sleeping each refusal's wait; counts grants. */
  private static long saturate(SharedBudget b, Limits l, long millis, long tokens) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    long granted = 0;
    while (System.nanoTime() < end) {
      long now = System.nanoTime();
      long ask = b.nanosUntilAsk(now);
      if (ask > 0) {
        TimeUnit.NANOSECONDS.sleep(Math.min(ask, end - now));
        continue;
      }
      long wait = b.reserve(tokens, l, now);
      if (wait == 0) {
        granted++;
      } else {
        TimeUnit.NANOSECONDS.sleep(Math.min(wait, Math.max(0, end - System.nanoTime())));
      }
    }
    return granted;
  }

  /** Grants in a row without waiting: what the bucket holds now. */
  private static int grantsAtOnce(SharedBudget b) {
    int n = 0;
    while (b.reserve(0, LIMITS, System.nanoTime()) == 0 && n < 100) {
      n++;
    }
    return n;
  }

  private static Thread saturating(SharedBudget b, long millis, AtomicLong count) {
    Thread t = new Thread(() -> {
      try {
        count.set(saturate(b, LIMITS, millis, 0));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    t.start();
    return t;
  }

  @Test
  void givenFourJobsTakingAtOnce_neverGrantMoreThanTheBucketAllows() throws Exception {
    BudgetStore store = BudgetStore.redis(redis.uri());
    String budget = budget();
    List<AtomicLong> counts = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < 4; i++) {
      AtomicLong c = new AtomicLong();
      counts.add(c);
      threads.add(saturating(job(store, budget, 1), 1000, c));
    }
    for (Thread t : threads) {
      t.join();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    long total = counts.stream().mapToLong(AtomicLong::get).sum();
    // One burst plus the rate over the time taken, and nearly all of it used.
    assertTrue(total <= 10 + 100 * seconds + 1, "granted " + total + " in " + seconds + " s");
    assertTrue(total >= 0.9 * (10 + 100 * 1.0), "granted only " + total);
  }

  @Test
  void givenAFirstJobTookTheBurst_aLaterJobGetsNoFreshBurst() throws Exception {
    BudgetStore store = BudgetStore.redis(redis.uri());
    String budget = budget();
    SharedBudget first = job(store, budget, 1);
    long now = System.nanoTime();
    int taken = 0;
    while (first.reserve(0, LIMITS, now) == 0) {
      taken++;
    }
    assertTrue(taken >= 10 && taken <= 13, "the burst of 10 (and what refilled meanwhile): " + taken);
    SharedBudget later = job(store, budget, 1);
    assertTrue(grantsAtOnce(later) <= 2, "the later job got a fresh burst");
  }

  @Test
  void givenTokensReserved_settlingGivesTheUnusedBack() {
    BudgetStore store = BudgetStore.redis(redis.uri());
    Limits tokens = new Limits(0, 0, 10, 1000); // 1,000 tokens, refilling slowly
    SharedBudget b = job(store, budget(), 1);
    long now = System.nanoTime();
    assertEquals(0, b.reserve(800, tokens, now));
    assertTrue(b.reserve(800, tokens, now) > 0, "800 more tokens fit where 200 are left");
    b.settle(0, 600); // the call used 200 of its 800
    assertEquals(0, b.reserve(700, tokens, now), "the settled tokens came back with the next reserve");
    b.settle(0, -500); // a call used 500 more than reserved
    assertTrue(b.reserve(100, tokens, now) > 0, "the extra usage was taken");
  }

  @Test
  void givenWeightsThreeToOne_bothSaturating_splitsByWeight() throws Exception {
    BudgetStore store = BudgetStore.redis(redis.uri());
    String budget = budget();
    AtomicLong heavy = new AtomicLong();
    AtomicLong light = new AtomicLong();
    Thread a = saturating(job(store, budget, 3), 4000, heavy);
    Thread b = saturating(job(store, budget, 1), 4000, light);
    a.join();
    b.join();
    double share = heavy.get() / (double) (heavy.get() + light.get());
    assertTrue(Math.abs(share - 0.75) <= 0.05, "heavy job's share " + share + " (" + heavy + "/" + light + ")");
    assertTrue(heavy.get() + light.get() >= 0.9 * 400, "together they used " + (heavy.get() + light.get()));
  }

  @Test
  void givenAnIdleJobWithTheLargerWeight_aLoneJobUsesTheWholeLimit() throws Exception {
    BudgetStore store = BudgetStore.redis(redis.uri());
    String budget = budget();
    SharedBudget idle = job(store, budget, 9);
    idle.reserve(0, LIMITS, System.nanoTime()); // registered, then wants nothing more
    AtomicLong lone = new AtomicLong();
    Thread t = saturating(job(store, budget, 1), 2000, lone);
    t.join();
    assertTrue(lone.get() >= 0.95 * 200, "the lone job got " + lone + " of about 210");
  }

  @Test
  void givenTheStoreRestartedEmpty_grantsNoFreshBurst_andGoesOnAfterAFallback() throws Exception {
    try (RedisServer own = RedisServer.start()) {
      BudgetStore store = BudgetStore.redis(own.uri());
      String budget = budget();
      SharedBudget a = job(store, budget, 1);
      SharedBudget b = job(store, budget, 1);
      assertTrue(saturate(a, LIMITS, 300, 0) > 0);
      assertTrue(saturate(b, LIMITS, 300, 0) > 0);
      saturate(a, LIMITS, 100, 0); // both known to the store: half each
      own.kill();
      // Unreachable: a safe share (half the rate), starting empty, no row refused for good.
      long down = saturate(a, LIMITS, 1500, 0);
      assertTrue(down >= 40 && down <= 50 * 1.5 + 5, "fallback granted " + down + " in 1.5 s at 50/s");
      own.restart();
      Thread.sleep(1100); // the client asks the store again after a second
      // Back in the store: an empty bucket (this worker used it lately), no fresh burst of 10.
      long afterRestart = grantsAtOnce(a);
      assertTrue(afterRestart <= 2, "after the restart " + afterRestart + " at once");
      long back = saturate(a, LIMITS, 1000, 0);
      assertTrue(back >= 85, "back in the shared budget: " + back + " in 1 s at 100/s");
    }
  }

  @Test
  void givenAStoreThatNeverAnswered_holdsCalls() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    SharedBudget b = job(BudgetStore.redis("redis://127.0.0.1:" + port), budget(), 1);
    assertTrue(b.reserve(0, LIMITS, System.nanoTime()) > 0);
    assertTrue(b.nanosUntilAsk(System.nanoTime()) > 0);
  }

  @Test
  void givenA429_everyJobPausesAndTheBucketIsEmpty() {
    BudgetStore store = BudgetStore.redis(redis.uri());
    String budget = budget();
    SharedBudget a = job(store, budget, 1);
    SharedBudget b = job(store, budget, 1);
    assertEquals(0, a.reserve(0, LIMITS, System.nanoTime()));
    a.rateLimited(true, false, 500, LIMITS);
    assertTrue(b.reserve(0, LIMITS, System.nanoTime()) > TimeUnit.MILLISECONDS.toNanos(300));
    assertTrue(b.nanosUntilAsk(System.nanoTime()) > TimeUnit.MILLISECONDS.toNanos(300));
  }

  @Test
  void givenReportedLimits_otherJobsLearnThem() {
    BudgetStore store = BudgetStore.redis(redis.uri());
    String budget = budget();
    SharedBudget a = job(store, budget, 1);
    SharedBudget b = job(store, budget, 1);
    a.reportLimits(6000, 150_000);
    a.reserve(0, LIMITS, System.nanoTime());
    b.reserve(0, LIMITS, System.nanoTime());
    assertEquals(6000, b.reportedRequestsPerMinute());
    assertEquals(150_000, b.reportedTokensPerMinute());
  }

  @Test
  void theStoreHoldsOnlyHashedNames_allExpiring() {
    BudgetStore store = BudgetStore.redis(redis.uri());
    String budget = "budget-sk-secret-looking-name";
    job(store, budget, 1).reserve(0, LIMITS, System.nanoTime());
    try (Jedis j = new Jedis("127.0.0.1", redis.port())) {
      Set<String> keys = j.keys("*");
      assertFalse(keys.isEmpty());
      for (String k : keys) {
        assertFalse(k.contains("secret"), k);
        assertTrue(k.matches("openai-beam:\\{[0-9a-f]{16}\\}:(buckets|workers)"), k);
        assertTrue(j.pttl(k) > 0, k + " never expires");
        j.hgetAll(k).forEach((f, v) -> assertFalse((f + v).contains("secret"), f));
      }
    }
  }

  @Test
  void givenAPassword_itIsNeverShown_andAWrongOneFallsBack() throws Exception {
    try (RedisServer own = RedisServer.start("s3cret-redis-pw")) {
      java.nio.file.Path file = java.nio.file.Files.createTempFile("redis", ".pw");
      java.nio.file.Files.writeString(file, "s3cret-redis-pw\n");
      BudgetStore store = BudgetStore.redis(own.uri()).withPasswordFile(file.toString());
      SharedBudget b = job(store, budget(), 1);
      assertEquals(0, b.reserve(0, LIMITS, System.nanoTime()));
      String shown = store + " " + store.describe() + " " + DisplayData.from(store::populateDisplayData);
      assertFalse(shown.contains("s3cret"), shown);

      java.nio.file.Path wrongFile = java.nio.file.Files.createTempFile("redis", ".pw");
      java.nio.file.Files.writeString(wrongFile, "wrong\n");
      BudgetStore wrong = BudgetStore.redis(own.uri()).withPasswordFile(wrongFile.toString());
      assertTrue(job(wrong, budget(), 1).reserve(0, LIMITS, System.nanoTime()) > 0, "held");
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> BudgetStore.redis("redis://:hunter2@127.0.0.1:6379"));
    assertFalse(e.getMessage().contains("hunter2"));
  }

  @Test
  void parsesTheUri() {
    BudgetStore s = BudgetStore.redis("rediss://budgets.internal:6380/3");
    assertEquals("rediss://budgets.internal:6380/3", s.describe());
    assertTrue(s.tls());
    assertEquals("redis://h:6379/0", BudgetStore.redis("redis://h").describe());
    assertThrows(IllegalArgumentException.class, () -> BudgetStore.redis("http://h:1"));
    assertThrows(IllegalArgumentException.class, () -> BudgetStore.redis("redis://h:1/x"));
  }
}
