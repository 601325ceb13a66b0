package dev.openaibeam.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openaibeam.api.ApiFailure;
import dev.openaibeam.api.ApiResponse;
import dev.openaibeam.api.ApiResult;
import dev.openaibeam.budget.LimitSource;
import dev.openaibeam.connection.OpenAiConnection;
import dev.openaibeam.emulator.EmulatorConfig;
import dev.openaibeam.emulator.EmulatorStats;
import dev.openaibeam.emulator.LatencyModel;
import dev.openaibeam.emulator.OpenAiEmulator;
import dev.openaibeam.emulator.RateLimitHeaderKind;
import dev.openaibeam.metrics.MetricCounters;
import dev.openaibeam.testing.Requests;
import dev.openaibeam.testing.TestKeys;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Create;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Budgets nobody typed: learned from the service's headers, or found from its 429s. */
@ExtendWith(TestPipelineExtension.class)
class LearnedBudgetTest {
  private static final String KEY = "sk-learned-budget-5150";
  private static final AtomicInteger FAILED = new AtomicInteger();

  private static OpenAiCall callTo(OpenAiEmulator emu) {
    return OpenAiCall.of(OpenAiConnection.to(emu.baseUrl()).withApiKey(TestKeys.file(KEY))
        .withRequestTimeout(Duration.ofSeconds(10)));
  }

  private static EmulatorConfig.Builder service(long rpm, RateLimitHeaderKind headers) {
    return EmulatorConfig.builder().acceptedKeys(Set.of(KEY)).rpm(rpm).windowSeconds(1)
        .rateLimitHeaders(headers).latency(LatencyModel.fixed(5));
  }

  @Test
  void givenNoLimits_theServicesReportedLimitPacesFromTheFirstAnswer(TestPipeline p) throws Exception {
    // 1,200 RPM = 20 a second on a 1 s window; the job is told nothing.
    try (OpenAiEmulator emu = OpenAiEmulator.start(service(1200, RateLimitHeaderKind.MINUTE).build())) {
      ApiResult r = p.apply(Create.of(Requests.chats(80, 5))).apply(callTo(emu));
      PAssert.that(r.getFailures()).empty();
      long start = System.nanoTime();
      PipelineResult result = p.run();
      result.waitUntilFinish();
      double seconds = (System.nanoTime() - start) / 1e9;
      EmulatorStats s = emu.stats();
      assertEquals(80, s.accepted());
      assertTrue(s.rateLimited() <= 1, "429s " + s.rateLimited()); // the probe's answer taught it
      assertTrue(seconds >= 2.5, "faster than 20 a second after a 20-call burst: " + seconds);
      Map<String, Long> limits = MetricCounters.gauges(result, CallMetrics.NAMESPACE);
      assertEquals(1200L, limits.get(CallMetrics.LIMIT_REQUESTS));
      assertEquals(LimitSource.SERVICE.code(), (long) limits.get(CallMetrics.LIMIT_REQUESTS_SOURCE));
    }
  }

  @Test
  void givenAServiceThatReportsNoLimit_429sNeverFailARow(TestPipeline p) throws Exception {
    // 600 RPM (10 a second), no x-ratelimit headers, and one attempt per row: a 429 uses up none.
    try (OpenAiEmulator emu = OpenAiEmulator.start(service(600, RateLimitHeaderKind.NONE).build())) {
      ApiResult r = p.apply(Create.of(Requests.chats(60, 5))).apply(callTo(emu).withMaxAttempts(1));
      PAssert.that(r.getFailures()).empty();
      PAssert.that(r.getResponses()).satisfies(rs -> {
        int n = 0;
        for (ApiResponse x : rs) {
          n++;
        }
        assertEquals(60, n);
        return null;
      });
      PipelineResult result = p.run();
      result.waitUntilFinish();
      EmulatorStats s = emu.stats();
      assertEquals(60, s.accepted());
      assertTrue(s.rateLimited() > 0, "the service never said no: the test shows nothing");
      Map<String, Long> limits = MetricCounters.gauges(result, CallMetrics.NAMESPACE);
      assertEquals(LimitSource.ADAPTIVE.code(), (long) limits.get(CallMetrics.LIMIT_REQUESTS_SOURCE));
    }
  }

  @Test
  void givenARowDeadline_aRowThatCouldOnlyBeRetriedPastItFailsAtOnce(TestPipeline p) throws Exception {
    // 1 RPM: the first call goes, the next could only go a minute later (the service's
    // retry-after), well past a 3 s deadline: those rows fail with the 429 now, not in a minute.
    try (OpenAiEmulator emu = OpenAiEmulator.start(service(1, RateLimitHeaderKind.NONE).build())) {
      ApiResult r = p.apply(Create.of(Requests.chats(3, 5)))
          .apply(callTo(emu).withRowDeadline(Duration.ofSeconds(3)));
      PAssert.that(r.getFailures()).satisfies(fs -> {
        for (ApiFailure f : fs) {
          FAILED.incrementAndGet();
          assertEquals(429, f.getError().getStatus(), f.toString());
        }
        return null;
      });
      FAILED.set(0);
      long start = System.nanoTime();
      p.run().waitUntilFinish();
      double seconds = (System.nanoTime() - start) / 1e9;
      assertEquals(1, emu.stats().accepted());
      assertEquals(2, FAILED.get(), "each row answered or failed once");
      assertTrue(seconds < 30, "waited for a retry past the deadline: " + seconds + " s");
    }
  }
}
