package dev.openaibeam.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openaibeam.api.ApiFailure;
import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.api.ApiResult;
import dev.openaibeam.connection.OpenAiConnection;
import dev.openaibeam.cost.PriceTable;
import dev.openaibeam.emulator.EmulatorConfig;
import dev.openaibeam.emulator.OpenAiEmulator;
import dev.openaibeam.testing.Requests;
import dev.openaibeam.testing.TestKeys;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Create;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link OpenAiCall} under a cost cap and without a result journal (as inside other pipelines):
 * every row still ends as an answer or a failure. A row the cap holds back becomes a replayable
 * {@code cost_cap_reached} failure (no journal would name it for a resume), and a row whose worst
 * case alone exceeds the cap fails on its own ({@code cost_too_large}) without stopping the others.
 */
@ExtendWith(TestPipelineExtension.class)
class CostCapWithoutJournalTest {
  private static final int ROWS = 40;
  // $0.001 a token in and out.
  private static final String PRICES =
      "{\"models\":{\"cap-model\":{\"input\":1000,\"output\":1000}}}";
  private static final AtomicInteger ANSWERED = new AtomicInteger();
  private static final AtomicInteger HELD_BACK = new AtomicInteger();

  @Test
  void everyRowEndsAsAnAnswerOrAFailure(TestPipeline p) throws Exception {
    try (OpenAiEmulator emu = OpenAiEmulator.start(EmulatorConfig.builder().build())) {
      List<ApiRequest> rows = new ArrayList<>();
      // Worst case over 1,000 tokens ($1): more than the whole cap.
      rows.add(Requests.chat("huge", "cap-model", "hello", 1_000));
      for (int i = 0; i < ROWS; i++) {
        rows.add(Requests.chat("row-" + i, "cap-model", "Question " + i + ", answer briefly.", 5));
      }
      ApiResult result = p.apply(Create.of(rows)).apply(
          OpenAiCall.of(OpenAiConnection.to(emu.baseUrl()).withApiKey(TestKeys.file("sk-cap")))
              .withPriceTable(PriceTable.fromJson(PRICES))
              .withMaxCostUsd(0.10));
      PAssert.that(result.getResponses()).satisfies(rs -> {
        rs.forEach(r -> ANSWERED.incrementAndGet());
        return null;
      });
      PAssert.that(result.getFailures()).satisfies(fs -> {
        Map<String, String> codes = new HashMap<>();
        for (ApiFailure f : fs) {
          codes.put(f.getRequest().getId(), f.getError().getCode());
        }
        assertEquals("cost_too_large", codes.remove("huge"));
        for (Map.Entry<String, String> e : codes.entrySet()) {
          assertEquals("cost_cap_reached", e.getValue(), e.getKey());
        }
        HELD_BACK.set(codes.size());
        return null;
      });
      p.run().waitUntilFinish();

      assertTrue(ANSWERED.get() > 0, "the cap left room for some calls");
      assertTrue(HELD_BACK.get() > 0, "the cap held rows back");
      assertEquals(ROWS, ANSWERED.get() + HELD_BACK.get(), "every row answered or failed once");
      assertEquals(ANSWERED.get(), emu.stats().accepted(), "held-back rows were not sent");
    }
  }
}
