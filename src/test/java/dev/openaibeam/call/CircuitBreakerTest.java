package dev.openaibeam.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openaibeam.api.ApiResult;
import dev.openaibeam.budget.CircuitBreaker;
import dev.openaibeam.connection.OpenAiConnection;
import dev.openaibeam.emulator.EmulatorConfig;
import dev.openaibeam.emulator.FaultPlan;
import dev.openaibeam.emulator.OpenAiEmulator;
import dev.openaibeam.testing.Requests;
import dev.openaibeam.testing.TestKeys;
import dev.openaibeam.transport.Backoff;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Create;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestPipelineExtension.class)
class CircuitBreakerTest {
  @Test
  void opensOnSustainedFailuresAndClosesOnHealth() {
    CircuitBreaker b = new CircuitBreakerProbe().fresh();
    long t = 0;
    for (int i = 0; i < 19; i++) {
      b.record(true, t);
    }
    assertEquals(0, b.nanosOpen(t), "needs a full window");
    b.record(true, t);
    assertTrue(b.nanosOpen(t) > 0);
    long g = b.generation();
    t += TimeUnit.SECONDS.toNanos(3);
    assertEquals(0, b.nanosOpen(t));
    b.probeFailed(t);
    assertTrue(b.nanosOpen(t) >= TimeUnit.SECONDS.toNanos(4), "backs off longer");
    assertTrue(b.generation() > g);
    // Half of the calls failing is left to the retries.
    CircuitBreaker healthy = new CircuitBreakerProbe().fresh();
    for (int i = 0; i < 1000; i++) {
      healthy.record(i % 2 == 0, 0);
    }
    assertEquals(0, healthy.nanosOpen(0));
  }

  /** An outage of every call for 3 s: the breaker holds the calls instead of spending attempts. */
  @Test
  void outageCostsFewCalls(TestPipeline p) throws Exception {
    EmulatorConfig cfg = EmulatorConfig.builder()
        .faults(FaultPlan.builder().status503(1.0).build()).build();
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    try (OpenAiEmulator emu = OpenAiEmulator.start(cfg)) {
      timer.schedule(() -> emu.setFaults(FaultPlan.none()), 3, TimeUnit.SECONDS);
      ApiResult result = p.apply(Create.of(Requests.chats(100, 5))).apply(
          OpenAiCall.of(OpenAiConnection.to(emu.baseUrl()).withApiKey(TestKeys.file("sk-cb")))
              .withMaxAttempts(30)
              .withBackoff(Backoff.standard().withInitial(Duration.ofMillis(100))
                  .withMax(Duration.ofMillis(400))));
      PAssert.that(result.getFailures()).empty();
      p.run().waitUntilFinish();
      long failedCalls = emu.stats().faults503();
      // Without the breaker, 100 rows retrying every 100-400 ms for 3 s make 1,000+ calls.
      assertTrue(failedCalls < 120, "calls during the outage: " + failedCalls);
      assertEquals(100, emu.stats().accepted());
    } finally {
      timer.shutdownNow();
    }
  }

  /** Fresh breakers for the unit test (the registry is keyed by budget id). */
  static final class CircuitBreakerProbe {
    private static int n;

    CircuitBreaker fresh() {
      return CircuitBreaker.forBudget("unit-test-" + (n++));
    }
  }
}
