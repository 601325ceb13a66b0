package dev.openaibeam.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.api.ApiResult;
import dev.openaibeam.connection.OpenAiConnection;
import dev.openaibeam.emulator.EmulatorConfig;
import dev.openaibeam.emulator.EmulatorStats;
import dev.openaibeam.emulator.LatencyModel;
import dev.openaibeam.emulator.OpenAiEmulator;
import dev.openaibeam.emulator.RedisServer;
import dev.openaibeam.store.BudgetStore;
import dev.openaibeam.testing.Requests;
import dev.openaibeam.testing.TestKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.junit.jupiter.api.Test;

/** Two pipelines at once on one key, each told the account's whole limit, with a budget store. */
class SharedBudgetPipelinesTest {
  private static final String KEY = "sk-shared-budget-0123456789";
  private static final long RPM = 2400; // 40 per 1 s window

  @Test
  void givenTwoPipelinesOnOneKeyAndAStore_stayInsideOneLimitTogether() throws Exception {
    try (RedisServer redis = RedisServer.start();
        OpenAiEmulator emu = OpenAiEmulator.start(EmulatorConfig.builder()
            .acceptedKeys(Set.of(KEY)).rpm(RPM).windowSeconds(1).latency(LatencyModel.fixed(20))
            .build())) {
      OpenAiConnection connection = OpenAiConnection.to(emu.baseUrl())
          .withApiKey(TestKeys.file(KEY)).withRequestTimeout(Duration.ofSeconds(10));
      OpenAiCall call = OpenAiCall.of(connection).withRequestsPerMinute(RPM)
          .withBudgetStore(BudgetStore.redis(redis.uri()));
      String shown = DisplayData.from(call).toString();
      assertTrue(shown.contains(redis.uri()), shown);
      assertTrue(!shown.contains(KEY), shown);

      ExecutorService pool = Executors.newFixedThreadPool(2);
      List<Future<PipelineResult.State>> runs = new ArrayList<>();
      for (String job : List.of("a", "b")) {
        runs.add(pool.submit(() -> run(job, call, 200)));
      }
      for (Future<PipelineResult.State> r : runs) {
        assertEquals(PipelineResult.State.DONE, r.get());
      }
      pool.shutdown();
      EmulatorStats s = emu.stats();
      assertEquals(400, s.accepted());
      // A token bucket lets one window's burst plus a window's refill into the first second; the
      // service's own bucket does the same, which is why it refused (almost) nothing.
      assertTrue(s.maxAcceptedInAnyWindow() <= 2 * RPM / 60, "a window accepted " + s.maxAcceptedInAnyWindow());
      assertTrue(s.rateLimited() <= 4, "429s: " + s.rateLimited());
      double ideal = (400 - RPM / 60.0) / (RPM / 60.0);
      double span = (s.lastAcceptedNanos() - s.firstAcceptedNanos()) / 1e9;
      assertTrue(ideal / span <= 1.02, "faster than the limit allows: " + ideal / span);
      assertTrue(ideal / span >= 0.8, "together they used little of the limit: " + ideal / span);
      assertTrue(redis.commandCalls("evalsha") >= 400, "each call went through the store");
    }
  }

  private static PipelineResult.State run(String job, OpenAiCall call, int rows) {
    Pipeline p = Pipeline.create(PipelineOptionsFactory.fromArgs("--runner=DirectRunner").create());
    List<ApiRequest> requests = new ArrayList<>();
    for (ApiRequest r : Requests.chats(rows, 8)) {
      requests.add(ApiRequest.of(job + "-" + r.getId(), r.getEndpoint(), r.getBody(), r.getMetadata()));
    }
    ApiResult result = p.apply(Create.of(requests)).apply(call);
    PAssert.thatSingleton(result.getResponses().apply(Count.globally())).isEqualTo((long) rows);
    PAssert.that(result.getFailures()).empty();
    return p.run().waitUntilFinish();
  }
}
