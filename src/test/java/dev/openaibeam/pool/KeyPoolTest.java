package dev.openaibeam.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.api.ApiResult;
import dev.openaibeam.api.HopelessApiException;
import dev.openaibeam.call.CallMetrics;
import dev.openaibeam.call.OpenAiCall;
import dev.openaibeam.connection.OpenAiConnection;
import dev.openaibeam.emulator.EmulatorConfig;
import dev.openaibeam.emulator.KeyStats;
import dev.openaibeam.emulator.LatencyModel;
import dev.openaibeam.emulator.OpenAiEmulator;
import dev.openaibeam.metrics.MetricCounters;
import dev.openaibeam.testing.Requests;
import dev.openaibeam.testing.TestKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.Pipeline.PipelineExecutionException;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.Create;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Calls spread over a pool by what each member's budget has left; dead members retired. */
@ExtendWith(TestPipelineExtension.class)
class KeyPoolTest {
  private static PoolMember member(OpenAiEmulator emu, String name, String key, long rpm) {
    return PoolMember.of(name, OpenAiConnection.to(emu.baseUrl()).withApiKey(TestKeys.file(key))
            .withRequestTimeout(Duration.ofSeconds(10)))
        .withLimits(rpm, 0);
  }

  @Test
  void givenThreeMembers_sharesFollowTheirLimits(TestPipeline p) throws Exception {
    // 1,200 / 800 / 400 RPM on the service's side, the same in the pool: 50%, 33%, 17%.
    EmulatorConfig cfg = EmulatorConfig.builder().acceptedKeys(Set.of("sk-a1", "sk-b1", "sk-c1"))
        .keyLimits("sk-a1", 1200, 0).keyLimits("sk-b1", 800, 0).keyLimits("sk-c1", 400, 0)
        .windowSeconds(1).latency(LatencyModel.fixed(5)).build();
    try (OpenAiEmulator emu = OpenAiEmulator.start(cfg)) {
      KeyPool pool = KeyPool.of(member(emu, "a", "sk-a1", 1200), member(emu, "b", "sk-b1", 800),
          member(emu, "c", "sk-c1", 400));
      ApiResult r = p.apply(Create.of(Requests.chats(300, 5))).apply(OpenAiCall.of(pool));
      PAssert.that(r.getFailures()).empty();
      PAssert.thatSingleton(r.getResponses().apply(Count.globally())).isEqualTo(300L);
      PipelineResult result = p.run();
      result.waitUntilFinish();
      Map<String, Long> c = MetricCounters.inNamespace(result, CallMetrics.NAMESPACE);
      long a = c.get(CallMetrics.MEMBER_CALLS + "a");
      long b = c.get(CallMetrics.MEMBER_CALLS + "b");
      long cc = c.get(CallMetrics.MEMBER_CALLS + "c");
      double all = a + b + cc;
      assertEquals(0.5, a / all, 0.05, "a's share " + c);
      assertEquals(1 / 3.0, b / all, 0.05, "b's share " + c);
      assertEquals(1 / 6.0, cc / all, 0.05, "c's share " + c);
      assertTrue(emu.stats().rateLimited() <= 3, "429s " + emu.stats().rateLimited());
    }
  }

  @Test
  void givenADeadKeyAndAnEmptyAccount_bothAreRetiredAndTheRestAnswerEveryRow(TestPipeline p)
      throws Exception {
    EmulatorConfig cfg = EmulatorConfig.builder().acceptedKeys(Set.of("sk-good-1", "sk-good-2"))
        .quotaExhaustedKeys(Set.of("sk-broke-9")).latency(LatencyModel.fixed(5)).build();
    try (OpenAiEmulator emu = OpenAiEmulator.start(cfg)) {
      KeyPool pool = KeyPool.of(member(emu, "good-1", "sk-good-1", 0), member(emu, "wrong", "sk-wrong-0", 0),
          member(emu, "broke", "sk-broke-9", 0), member(emu, "good-2", "sk-good-2", 0));
      ApiResult r = p.apply(Create.of(Requests.chats(120, 5))).apply(OpenAiCall.of(pool));
      PAssert.that(r.getFailures()).empty();
      PAssert.thatSingleton(r.getResponses().apply(Count.globally())).isEqualTo(120L);
      p.run().waitUntilFinish();
      // Each dead member is found out by its first answer and sent nothing after it.
      assertEquals(1, emu.stats().authErrors(), "calls to the wrong key");
      assertEquals(1, emu.stats().quotaErrors(), "calls to the empty account");
      assertEquals(120, emu.stats().accepted());
      assertEquals(0, emu.stats().repeatedAfterSuccess(), "a row paid twice");
    }
  }

  @Test
  void givenNoMemberLeft_theRunStops(TestPipeline p) throws Exception {
    EmulatorConfig cfg = EmulatorConfig.builder().acceptedKeys(Set.of("sk-other"))
        .latency(LatencyModel.fixed(5)).build();
    try (OpenAiEmulator emu = OpenAiEmulator.start(cfg)) {
      KeyPool pool = KeyPool.of(member(emu, "w1", "sk-wrong-1", 0), member(emu, "w2", "sk-wrong-2", 0));
      p.apply(Create.of(Requests.chats(40, 5))).apply(OpenAiCall.of(pool));
      PipelineExecutionException e =
          assertThrows(PipelineExecutionException.class, () -> p.run().waitUntilFinish());
      assertTrue(e.getCause() instanceof HopelessApiException, String.valueOf(e.getCause()));
      assertTrue(emu.stats().authErrors() <= 2, "calls after both were refused: " + emu.stats().authErrors());
      assertFalse(e.getCause().getMessage().contains("sk-wrong-1"));
    }
  }

  @Test
  void givenAQuotaThatRunsOutMidRun_theMemberIsRetiredAndNoRowIsLost(TestPipeline p)
      throws Exception {
    // b's account has quota for 40 calls: after them every call with its key is insufficient_quota.
    EmulatorConfig cfg = EmulatorConfig.builder().acceptedKeys(Set.of("sk-a-quota", "sk-b-quota"))
        .quotaAfterCalls("sk-b-quota", 40).latency(LatencyModel.fixed(5)).build();
    try (OpenAiEmulator emu = OpenAiEmulator.start(cfg)) {
      KeyPool pool = KeyPool.of(member(emu, "a", "sk-a-quota", 0), member(emu, "b", "sk-b-quota", 0));
      ApiResult r = p.apply(Create.of(Requests.chats(400, 5))).apply(OpenAiCall.of(pool));
      PAssert.that(r.getFailures()).empty();
      PAssert.thatSingleton(r.getResponses().apply(Count.globally())).isEqualTo(400L);
      p.run().waitUntilFinish();
      KeyStats b = emu.stats().key("sk-b-quota");
      assertEquals(40, b.accepted(), "b answered until its quota ran out");
      // Calls already in flight when the first refusal arrived may be refused too; none after.
      assertTrue(b.quotaErrors() >= 1 && b.quotaErrors() <= 64, "refusals to b: " + b.quotaErrors());
      assertEquals(360, emu.stats().key("sk-a-quota").accepted());
      assertEquals(0, emu.stats().repeatedAfterSuccess(), "a row paid twice");
    }
  }

  @Test
  void givenMembersServingSomeModels_eachGetsOnlyItsModelsRows(TestPipeline p) throws Exception {
    EmulatorConfig cfg = EmulatorConfig.builder().acceptedKeys(Set.of("sk-mini-only", "sk-4o-only-key"))
        .latency(LatencyModel.fixed(5)).build();
    try (OpenAiEmulator emu = OpenAiEmulator.start(cfg)) {
      KeyPool pool = KeyPool.of(
          member(emu, "mini", "sk-mini-only", 0).withModels(List.of("gpt-4o-mini")),
          member(emu, "big", "sk-4o-only-key", 0).withModels(List.of("gpt-4o")));
      List<ApiRequest> rows = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        rows.add(Requests.chat("r" + i, i % 4 == 0 ? "gpt-4o" : "gpt-4o-mini", "row " + i, 5));
      }
      ApiResult r = p.apply(Create.of(rows)).apply(OpenAiCall.of(pool));
      PAssert.that(r.getFailures()).empty();
      PAssert.thatSingleton(r.getResponses().apply(Count.globally())).isEqualTo(100L);
      p.run().waitUntilFinish();
      assertEquals(75, emu.stats().key("sk-mini-only").accepted(), "gpt-4o-mini rows");
      assertEquals(25, emu.stats().key("sk-4o-only-key").accepted(), "gpt-4o rows");
    }
  }
}
