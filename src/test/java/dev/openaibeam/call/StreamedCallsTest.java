package dev.openaibeam.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.openaibeam.api.ApiFailure;
import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.api.ApiResponse;
import dev.openaibeam.api.ApiResult;
import dev.openaibeam.connection.OpenAiConnection;
import dev.openaibeam.cost.CostMetrics;
import dev.openaibeam.emulator.EmulatorConfig;
import dev.openaibeam.emulator.FaultPlan;
import dev.openaibeam.emulator.LatencyModel;
import dev.openaibeam.emulator.OpenAiEmulator;
import dev.openaibeam.metrics.MetricCounters;
import dev.openaibeam.testing.Requests;
import dev.openaibeam.testing.TestKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.Create;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Requests with {@code "stream": true}: read as events into a whole answer, sent once. */
@ExtendWith(TestPipelineExtension.class)
class StreamedCallsTest {
  private static final String KEY = "sk-stream-test-0123456789";
  private static final ObjectMapper JSON = new ObjectMapper();

  private static OpenAiCall callTo(OpenAiEmulator emu) {
    return OpenAiCall.of(OpenAiConnection.to(emu.baseUrl()).withApiKey(TestKeys.file(KEY))
        .withRequestTimeout(Duration.ofSeconds(10)));
  }

  /** The same request, streamed: its row id says so ({@code stream-N}). */
  private static ApiRequest streamed(ApiRequest plain, String id, boolean usage) {
    try {
      ObjectNode body = (ObjectNode) JSON.readTree(plain.getBody());
      body.put("stream", true);
      if (usage) {
        body.putObject("stream_options").put("include_usage", true);
      }
      return ApiRequest.of(id, plain.getEndpoint(), body.toString(), "{\"row\":\"" + id + "\"}");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String content(String body) {
    try {
      return JSON.readTree(body).at("/choices/0/message/content").asText();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void givenEveryTenthRowStreams_eachIsCalledOnceAndItsAnswerIsWhatTheStreamCarried(TestPipeline p)
      throws Exception {
    // 2,000 rows: every tenth streams, and the row after it asks the same unstreamed, so each
    // streamed answer can be checked against the answer the same request gets whole.
    List<ApiRequest> rows = new ArrayList<>();
    for (ApiRequest r : Requests.chats(2000, 12)) {
      int i = Integer.parseInt(r.getId().substring(4));
      rows.add(i % 10 == 0 ? streamed(r, "stream-" + i, i % 20 == 0) : r);
    }
    for (int i = 0; i < 2000; i += 10) {
      ApiRequest twin = Requests.chats(2000, 12).get(i);
      rows.set(i + 1, ApiRequest.of("plain-" + i, twin.getEndpoint(), twin.getBody(), null));
    }
    EmulatorConfig cfg = EmulatorConfig.builder().acceptedKeys(Set.of(KEY))
        .latency(LatencyModel.fixed(20)).build();
    try (OpenAiEmulator emu = OpenAiEmulator.start(cfg)) {
      ApiResult r = p.apply(Create.of(rows)).apply(callTo(emu));
      PAssert.that(r.getFailures()).empty();
      PAssert.thatSingleton(r.getResponses().apply(Count.globally())).isEqualTo(2000L);
      PAssert.that(r.getResponses()).satisfies(StreamedCallsTest::streamedMatchTheirTwins);
      p.run().waitUntilFinish();
      assertEquals(2000, emu.stats().received(), "calls: each row once, streamed or not");
      assertEquals(0, emu.stats().repeatedAfterSuccess());
    }
  }

  static Void streamedMatchTheirTwins(Iterable<ApiResponse> responses) {
    Map<String, ApiResponse> byId = new HashMap<>();
    responses.forEach(a -> byId.put(a.getRequest().getId(), a));
    int streamedRows = 0;
    for (int i = 0; i < 2000; i += 10) {
      ApiResponse s = byId.get("stream-" + i);
      ApiResponse plain = byId.get("plain-" + i);
      String expected = content(plain.getBody()).replace(
          OpenAiEmulator.digest(plain.getRequest().getBody()), OpenAiEmulator.digest(s.getRequest().getBody()));
      assertEquals(expected, content(s.getBody()), "stream-" + i);
      try {
        JsonNode answer = JSON.readTree(s.getBody());
        assertEquals("chat.completion", answer.get("object").asText());
        assertEquals("stop", answer.at("/choices/0/finish_reason").asText(), s.getBody());
        assertEquals(i % 20 == 0, answer.get("usage").isObject(), "usage only when asked: " + s.getBody());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      assertTrue(s.isStreamed() && s.getFirstTokenMillis() <= s.getLatencyMillis(), "first token " + i);
      assertFalse(plain.isStreamed());
      streamedRows++;
    }
    assertEquals(200, streamedRows);
    return null;
  }

  @Test
  void givenAnswersCutOffAfterTheirStatus_eachRowIsTriedTwiceAndCountedPossiblyBilled(TestPipeline p)
      throws Exception {
    List<ApiRequest> rows = new ArrayList<>();
    List<ApiRequest> chats = Requests.chats(20, 8);
    for (int i = 0; i < chats.size(); i++) {
      rows.add(i % 2 == 0 ? streamed(chats.get(i), "stream-" + i, false) : chats.get(i));
    }
    EmulatorConfig cfg = EmulatorConfig.builder().acceptedKeys(Set.of(KEY))
        .latency(LatencyModel.fixed(5)).faults(FaultPlan.builder().truncatedBody(1.0).build()).build();
    try (OpenAiEmulator emu = OpenAiEmulator.start(cfg)) {
      ApiResult r = p.apply(Create.of(rows)).apply(callTo(emu));
      PAssert.that(r.getResponses()).empty();
      PAssert.that(r.getFailures()).satisfies(failures -> {
        int n = 0;
        for (ApiFailure f : failures) {
          assertEquals("unparsable_response", f.getError().getType(), f.toString());
          assertEquals(2, f.getAttempts(), "an unreadable answer is retried once: " + f);
          n++;
        }
        assertEquals(20, n);
        return null;
      });
      PipelineResult result = p.run();
      result.waitUntilFinish();
      assertEquals(40, emu.stats().received(), "two calls per row, never five");
      Map<String, Long> cost = MetricCounters.inNamespace(result, CostMetrics.NAMESPACE);
      assertEquals(40L, cost.get(CostMetrics.POSSIBLY_BILLED));
    }
  }
}
