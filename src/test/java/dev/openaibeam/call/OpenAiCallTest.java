package dev.openaibeam.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openaibeam.api.ApiFailure;
import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.api.ApiResponse;
import dev.openaibeam.api.ApiResult;
import dev.openaibeam.api.HopelessApiException;
import dev.openaibeam.connection.OpenAiConnection;
import dev.openaibeam.emulator.EmulatorConfig;
import dev.openaibeam.emulator.EmulatorStats;
import dev.openaibeam.emulator.FaultPlan;
import dev.openaibeam.emulator.LatencyModel;
import dev.openaibeam.emulator.OpenAiEmulator;
import dev.openaibeam.testing.Requests;
import dev.openaibeam.testing.TestKeys;
import dev.openaibeam.transport.Backoff;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.beam.sdk.Pipeline.PipelineExecutionException;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestPipelineExtension.class)
class OpenAiCallTest {
  private static final String KEY = "sk-test-key-0123456789";

  private static OpenAiConnection connectionTo(OpenAiEmulator emu) {
    return OpenAiConnection.to(emu.baseUrl())
        .withApiKey(TestKeys.file(KEY))
        .withRequestTimeout(Duration.ofSeconds(5));
  }

  private static OpenAiCall callTo(OpenAiEmulator emu) {
    return OpenAiCall.of(connectionTo(emu));
  }

  private static EmulatorConfig.Builder emulator() {
    return EmulatorConfig.builder().acceptedKeys(Set.of(KEY)).latency(LatencyModel.fixed(5));
  }

  /** Every answer belongs to its own request: the emulator echoes a digest of the body. */
  static Void answersMatchTheirRequests(Iterable<ApiResponse> responses) {
    for (ApiResponse r : responses) {
      String digest = OpenAiEmulator.digest(r.getRequest().getBody());
      assertTrue(r.getBody().contains(digest), "answer of " + r.getRequest().getId() + " is not its own");
      assertEquals("{\"row\":\"" + r.getRequest().getId() + "\"}", r.getRequest().getMetadata());
    }
    return null;
  }

  @Test
  void answersEveryRowOnceWithIdAndMetadata(TestPipeline p) throws Exception {
    try (OpenAiEmulator emu = OpenAiEmulator.start(emulator().build())) {
      List<ApiRequest> rows = Requests.chats(200, 16);
      rows.add(Requests.chat("bad-model", "does-not-exist", "hi", 5));
      PCollection<ApiRequest> input = p.apply(Create.of(rows));
      ApiResult result = input.apply(callTo(emu).withMaxInFlight(16));

      PAssert.that(result.getResponses()).satisfies(OpenAiCallTest::answersMatchTheirRequests);
      PAssert.that(result.getResponses())
          .satisfies(
              rs -> {
                Set<String> ids = new HashSet<>();
                for (ApiResponse r : rs) {
                  assertTrue(ids.add(r.getRequest().getId()), "duplicate " + r.getRequest().getId());
                  assertEquals(1, r.getAttempts());
                }
                assertEquals(200, ids.size());
                return null;
              });
      PAssert.that(result.getFailures())
          .satisfies(
              fs -> {
                List<ApiFailure> all = new ArrayList<>();
                fs.forEach(all::add);
                assertEquals(1, all.size());
                ApiFailure f = all.get(0);
                assertEquals("bad-model", f.getRequest().getId());
                assertEquals(404, f.getError().getStatus());
                assertEquals(1, f.getAttempts());
                return null;
              });
      p.run().waitUntilFinish();
      assertEquals(201, emu.stats().received());
    }
  }

  @Test
  void hopelessErrorsAreNotRetried(TestPipeline p) throws Exception {
    EmulatorConfig cfg = emulator().tpm(1_000).windowSeconds(60).build();
    try (OpenAiEmulator emu = OpenAiEmulator.start(cfg)) {
      List<ApiRequest> rows = new ArrayList<>();
      rows.add(ApiRequest.of("no-model", "/v1/chat/completions", "{\"messages\":[],\"max_tokens\":5}", null));
      rows.add(Requests.chat("missing-model", "missing-gpt", "hi", 5));
      // The client has no TPM set, so only the service knows this can never fit.
      rows.add(Requests.chat("too-large", "gpt-4o-mini", "hi", 5_000));
      PCollection<ApiRequest> input = p.apply(Create.of(rows));
      ApiResult result = input.apply(callTo(emu).withMaxAttempts(5));
      PAssert.that(result.getResponses()).empty();
      PAssert.that(result.getFailures())
          .satisfies(
              fs -> {
                int n = 0;
                for (ApiFailure f : fs) {
                  n++;
                  // One attempt, or none for a request refused here as larger than the limit.
                  assertTrue(f.getAttempts() <= 1, f.toString());
                  assertEquals(f.getAttempts(), f.getAttemptErrors().size());
                  switch (f.getRequest().getId()) {
                    case "no-model":
                      assertEquals(400, f.getError().getStatus());
                      break;
                    case "missing-model":
                      assertEquals(404, f.getError().getStatus());
                      break;
                    default:
                      // Sent first, the service refuses it; after an answer reported the token
                      // limit, it is refused here without a call.
                      assertTrue(f.getError().getStatus() == null
                              ? f.getError().getCode().equals("request_too_large")
                              : f.getError().getStatus() == 429
                                  && f.getError().getMessage().startsWith("Request too large"),
                          f.getError().toString());
                  }
                }
                assertEquals(3, n);
                return null;
              });
      p.run().waitUntilFinish();
      long received = emu.stats().received();
      assertTrue(received == 2 || received == 3, "calls: " + received);
    }
  }

  @Test
  void invalidKeyStopsTheRunAfterOneAttempt(TestPipeline p) throws Exception {
    try (OpenAiEmulator emu = OpenAiEmulator.start(emulator().build())) {
      p.apply(Create.of(Requests.chats(50, 5)))
          .apply(OpenAiCall.of(connectionTo(emu).withApiKey(TestKeys.file("sk-wrong-key-999"))).withMaxInFlight(1));
      PipelineExecutionException e =
          assertThrows(PipelineExecutionException.class, () -> p.run().waitUntilFinish());
      assertTrue(e.getCause() instanceof HopelessApiException, String.valueOf(e.getCause()));
      assertSame(e.getCause(), HopelessApiException.findIn(e), "found among the causes");
      assertNull(HopelessApiException.findIn(new RuntimeException("other", new IllegalStateException())));
      assertTrue(e.getCause().getMessage().contains("API key was rejected"));
      assertTrue(!e.getCause().getMessage().contains("sk-wrong-key-999"));
      assertTrue(emu.stats().authErrors() <= 2, "calls after a 401: " + emu.stats().authErrors());
    }
  }

  @Test
  void quotaErrorBecomesARowFailureWhenAsked(TestPipeline p) throws Exception {
    EmulatorConfig cfg = emulator().acceptedKeys(Set.of()).quotaExhaustedKeys(Set.of("sk-broke")).build();
    try (OpenAiEmulator emu = OpenAiEmulator.start(cfg)) {
      ApiResult result =
          p.apply(Create.of(Requests.chats(3, 5)))
              .apply(OpenAiCall.of(connectionTo(emu).withApiKey(TestKeys.file("sk-broke"))).withStopOnHopelessErrors(false));
      PAssert.that(result.getFailures())
          .satisfies(
              fs -> {
                for (ApiFailure f : fs) {
                  assertEquals("insufficient_quota", f.getError().getCode());
                  assertEquals(1, f.getAttempts());
                }
                return null;
              });
      p.run().waitUntilFinish();
      assertEquals(3, emu.stats().quotaErrors());
    }
  }

  @Test
  void retriesServerErrorsUntilTheyPass(TestPipeline p) throws Exception {
    EmulatorConfig cfg =
        emulator().faults(FaultPlan.builder().status500(0.3).status503(0.2).seed(3).build()).build();
    try (OpenAiEmulator emu = OpenAiEmulator.start(cfg)) {
      ApiResult result =
          p.apply(Create.of(Requests.chats(60, 5)))
              .apply(
                  callTo(emu)
                      .withMaxAttempts(12)
                      .withBackoff(
                          Backoff.standard()
                              .withInitial(Duration.ofMillis(20))
                              .withMax(Duration.ofMillis(100))));
      PAssert.that(result.getFailures()).empty();
      PAssert.that(result.getResponses()).satisfies(OpenAiCallTest::answersMatchTheirRequests);
      PAssert.that(result.getResponses())
          .satisfies(
              rs -> {
                int retried = 0;
                int n = 0;
                for (ApiResponse r : rs) {
                  n++;
                  retried += r.getAttempts() > 1 ? 1 : 0;
                }
                assertEquals(60, n);
                assertTrue(retried > 10, "retried rows: " + retried);
                return null;
              });
      p.run().waitUntilFinish();
      EmulatorStats s = emu.stats();
      assertEquals(60, s.accepted());
      assertEquals(0, s.repeatedAfterSuccess());
      assertTrue(s.faults500() + s.faults503() > 10);
    }
  }

  @Test
  void honoursRetryAfterOn429(TestPipeline p) throws Exception {
    // The service allows 120 RPM (2 per second, burst 2); the client was told nothing.
    EmulatorConfig cfg = emulator().rpm(120).windowSeconds(1).build();
    try (OpenAiEmulator emu = OpenAiEmulator.start(cfg)) {
      ApiResult result =
          p.apply(Create.of(Requests.chats(8, 5))).apply(callTo(emu).withMaxAttempts(20));
      PAssert.that(result.getFailures()).empty();
      long start = System.nanoTime();
      p.run().waitUntilFinish();
      double seconds = (System.nanoTime() - start) / 1e9;
      EmulatorStats s = emu.stats();
      assertEquals(8, s.accepted());
      // 2 at once, then 2 per second: about 3 s. Waiting what retry-after says keeps the 429s
      // to about one per wait instead of a storm of immediate retries.
      assertTrue(seconds >= 2.5, "too fast for the limit: " + seconds);
      assertTrue(s.rateLimitedRequests() <= 12, "429 storm: " + s.rateLimitedRequests());
    }
  }

  @Test
  void azureUsesDeploymentUrlsAndApiKeyHeader(TestPipeline p) throws Exception {
    try (OpenAiEmulator emu = OpenAiEmulator.start(emulator().build())) {
      String resource = "http://127.0.0.1:" + emu.port();
      ApiResult result =
          p.apply(Create.of(Requests.chats(5, 5)))
              .apply(OpenAiCall.of(connectionTo(emu).withBaseUrl(resource).withAzure("2024-10-21")));
      PAssert.that(result.getFailures()).empty();
      PAssert.that(result.getResponses()).satisfies(OpenAiCallTest::answersMatchTheirRequests);
      p.run().waitUntilFinish();
      assertEquals(5, emu.stats().accepted());
    }
  }

  @Test
  void embeddingsAndChatTogether(TestPipeline p) throws Exception {
    try (OpenAiEmulator emu = OpenAiEmulator.start(emulator().build())) {
      List<ApiRequest> rows = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        rows.add(Requests.embedding("emb-" + i, "text " + i));
      }
      ApiResult result = p.apply(Create.of(rows)).apply(callTo(emu));
      PAssert.that(result.getFailures()).empty();
      PAssert.that(result.getResponses())
          .satisfies(
              rs -> {
                int n = 0;
                for (ApiResponse r : rs) {
                  n++;
                  assertTrue(r.getBody().contains("\"embedding\""));
                }
                assertEquals(20, n);
                return null;
              });
      p.run().waitUntilFinish();
    }
  }
}
