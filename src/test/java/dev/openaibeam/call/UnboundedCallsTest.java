package dev.openaibeam.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.api.ApiResponse;
import dev.openaibeam.api.ApiResult;
import dev.openaibeam.connection.OpenAiConnection;
import dev.openaibeam.emulator.EmulatorConfig;
import dev.openaibeam.emulator.LatencyModel;
import dev.openaibeam.emulator.OpenAiEmulator;
import dev.openaibeam.testing.Requests;
import dev.openaibeam.testing.TestKeys;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PeriodicImpulse;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Unbounded input goes through {@link StreamingCallFn}: every row answered once, and calls still
 * out when the stream ends are waited for (the window-end timer) instead of lost. That answers do
 * not wait for each other is shown on Flink (EngineOnKafkaTest): the direct runner holds
 * processing-time timers back while a key keeps getting elements.
 */
@ExtendWith(TestPipelineExtension.class)
class UnboundedCallsTest {
  private static final String KEY = "sk-test-key-0123456789";

  /** {@code rows} chat requests over about a second, as an unbounded stream that then ends. */
  private static PCollection<ApiRequest> unboundedChats(TestPipeline p, int rows) {
    Instant start = Instant.now().plus(org.joda.time.Duration.millis(500));
    long stepMillis = Math.max(1, 1_000 / rows);
    return p.apply(PeriodicImpulse.create()
            .startAt(start)
            .stopAt(start.plus(org.joda.time.Duration.millis(stepMillis * rows - 1)))
            .withInterval(org.joda.time.Duration.millis(stepMillis)))
        .apply(MapElements.into(TypeDescriptor.of(ApiRequest.class))
            .via(t -> {
              long i = (t.getMillis() - start.getMillis()) / stepMillis;
              return Requests.chat("row-" + i, "gpt-4o-mini", "hello " + i, 8);
            }))
        .setCoder(ApiRequest.Coder.of());
  }

  private static OpenAiCall callTo(OpenAiEmulator emu) {
    return OpenAiCall.of(OpenAiConnection.to(emu.baseUrl())
            .withApiKey(TestKeys.file(KEY))
            .withRequestTimeout(Duration.ofSeconds(30)))
        .withRequestsPerMinute(60_000)
        .withMaxInFlight(64);
  }

  private static Void everyRowOnce(Iterable<ApiResponse> responses, int rows) {
    Set<String> ids = new HashSet<>();
    for (ApiResponse r : responses) {
      assertTrue(ids.add(r.getRequest().getId()), "answered twice: " + r.getRequest().getId());
      assertTrue(r.getBody().contains(OpenAiEmulator.digest(r.getRequest().getBody())),
          "answer of " + r.getRequest().getId() + " is not its own");
    }
    assertEquals(rows, ids.size());
    return null;
  }

  @Test
  void givenCallsOutWhenTheStreamEnds_everyRowIsStillAnswered(TestPipeline p) throws Exception {
    int rows = 300;
    EmulatorConfig config = EmulatorConfig.builder().acceptedKeys(Set.of(KEY))
        .latency(LatencyModel.uniform(5, 1_500)).build();
    try (OpenAiEmulator emu = OpenAiEmulator.start(config)) {
      ApiResult result = unboundedChats(p, rows).apply(callTo(emu));
      PAssert.that(result.getResponses()).satisfies(rs -> everyRowOnce(rs, rows));
      PAssert.that(result.getFailures()).empty();
      p.run().waitUntilFinish();
      assertEquals(rows + 0L, emu.stats().accepted(), "each row paid once");
    }
  }
}
