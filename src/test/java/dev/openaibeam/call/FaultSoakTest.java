package dev.openaibeam.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openaibeam.api.ApiFailure;
import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.api.ApiResponse;
import dev.openaibeam.api.ApiResult;
import dev.openaibeam.connection.OpenAiConnection;
import dev.openaibeam.emulator.EmulatorConfig;
import dev.openaibeam.emulator.EmulatorStats;
import dev.openaibeam.emulator.FaultPlan;
import dev.openaibeam.emulator.OpenAiEmulator;
import dev.openaibeam.testing.Requests;
import dev.openaibeam.testing.TestKeys;
import dev.openaibeam.transport.Backoff;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * 10,000 rows against a service that fails 9% of calls in five ways: every row ends exactly once
 * in results or failures, every answer is its own row's, and no row that succeeded is paid twice.
 */
@ExtendWith(TestPipelineExtension.class)
@Tag("soak")
class FaultSoakTest {
  private static final int ROWS = 10_000;

  @Test
  void everyRowExactlyOnceUnderFaults(TestPipeline p) throws Exception {
    EmulatorConfig cfg = EmulatorConfig.builder()
        .hangMillis(60_000)
        .faults(FaultPlan.builder().status500(0.05).status503(0.02).connectionReset(0.01)
            .hang(0.005).truncatedBody(0.005).seed(42).build())
        .build();
    try (OpenAiEmulator emu = OpenAiEmulator.start(cfg)) {
      List<ApiRequest> rows = Requests.chats(ROWS, 5);
      ApiResult result = p.apply(Create.of(rows)).apply(
          OpenAiCall.of(
                  OpenAiConnection.to(emu.baseUrl())
                      .withApiKey(TestKeys.file("sk-soak"))
                      // Longer than a loaded machine needs to read an answer the emulator has
                      // already counted as a success (timed out, that row would be paid twice and
                      // this test fail); every bundle with a hang waits this long, so it is not
                      // longer still (2 s: ~30 s test, 3 s: ~50 s, 5 s: ~77 s here).
                      .withRequestTimeout(Duration.ofSeconds(3)))
              .withMaxInFlight(256)
              .withMaxAttempts(8)
              .withBackoff(Backoff.standard().withInitial(Duration.ofMillis(50))
                  .withMax(Duration.ofMillis(500))));
      PAssert.that(result.getResponses()).satisfies(OpenAiCallTest::answersMatchTheirRequests);
      PCollection<String> ids = PCollectionList.of(
              result.getResponses().apply("ResponseIds",
                  MapElements.into(TypeDescriptors.strings()).via((ApiResponse r) -> r.getRequest().getId())))
          .and(result.getFailures().apply("FailureIds",
              MapElements.into(TypeDescriptors.strings()).via((ApiFailure f) -> f.getRequest().getId())))
          .apply(Flatten.pCollections());
      PAssert.that(ids).satisfies(all -> {
        Set<String> seen = new HashSet<>();
        int n = 0;
        for (String id : all) {
          n++;
          assertTrue(seen.add(id), "twice: " + id);
        }
        assertEquals(ROWS, n);
        return null;
      });
      PAssert.that(result.getResponses()).satisfies(rs -> {
        int retried = 0;
        for (ApiResponse r : rs) {
          retried += r.getAttempts() > 1 ? 1 : 0;
        }
        assertTrue(retried > 500, "retried rows: " + retried);
        return null;
      });
      p.run().waitUntilFinish();
      EmulatorStats s = emu.stats();
      System.out.println("fault soak: " + s.toJson());
      assertEquals(0, s.repeatedAfterSuccess(), "a row that had succeeded was called again");
      assertTrue(s.faults500() > 300 && s.faults503() > 100 && s.resets() > 50 && s.hangs() > 20
          && s.truncated() > 20, s.toJson());
    }
  }
}
