package dev.openaibeam.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openaibeam.cost.EstimateReport;
import dev.openaibeam.cost.PricingMode;
import dev.openaibeam.cost.SpendReport;
import dev.openaibeam.cost.Usd;
import dev.openaibeam.emulator.EmulatorConfig;
import dev.openaibeam.emulator.LatencyModel;
import dev.openaibeam.emulator.OpenAiEmulator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --estimateOnly} against the spend the real run then reports on the emulator. The emulator
 * counts prompts with the same tokenizer and answers min(max_tokens, 8) completion tokens per
 * choice; the estimator is not told that: its upper bound assumes the full max_tokens, and its
 * expected figure uses whatever --expectedOutputTokens the user gives.
 */
class CostEstimateTest {
  /** Chat rows with small max_tokens (4..8), embeddings, a few gpt-4.1-nano rows, one unpriced. */
  static List<String> realisticInput(int chats, int embeddings) {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < chats; i++) {
      String model = i % 10 == 0 ? "gpt-4.1-nano" : "gpt-4o-mini-2024-07-18";
      lines.add("{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"system\",\"content\":"
          + "\"Classify the ticket as billing, shipping or other. Answer with one word.\"},"
          + "{\"role\":\"user\",\"content\":\"Ticket " + i + ": my parcel " + (i % 7 == 0 ? "was charged twice" : "is late")
          + ", order " + (5000 + i) + ".\"}],\"max_tokens\":" + (4 + i % 5) + ",\"metadata\":{\"row\":" + i + "}}");
    }
    for (int i = 0; i < embeddings; i++) {
      lines.add("{\"url\":\"/v1/embeddings\",\"model\":\"text-embedding-3-small\",\"input\":\"Refund policy section "
          + i + ": items may be returned within 30 days of delivery for a full refund.\"}");
    }
    lines.add("{\"model\":\"house-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":4}");
    lines.add("not json");
    return lines;
  }

  private static SpendReport realRun(OpenAiBeamOptions o) {
    Pipeline p = Pipeline.create(o);
    OpenAiBeamPipeline.build(p, o);
    PipelineResult r = p.run();
    r.waitUntilFinish();
    return SpendReport.of(r);
  }

  private static double errorPercent(long estimate, long actual) {
    return 100.0 * (estimate - actual) / actual;
  }

  @Test
  void upperBoundIsWithinFivePercentWhenAnswersFillTheirSmallMax(@TempDir Path dir) throws Exception {
    try (OpenAiEmulator emu = OpenAiEmulator.start(EmulatorConfig.builder().latency(LatencyModel.fixed(1)).build())) {
      Path input = OpenAiBeamPipelineTest.writeInput(dir, "in.jsonl", realisticInput(200, 50));
      EstimateReport estimate = CostEstimateRun.estimate(
          OpenAiBeamPipelineTest.options(dir, input.toString(), emu, "--estimateOnly"));
      assertEquals(0, emu.stats().received(), "the estimate called the API");
      String text = estimate.format();
      System.out.print(text);
      assertEquals(251, estimate.rows());
      assertEquals(Map.of("house-model", 1L), estimate.unpricedModels());
      assertTrue(text.contains("UPPER BOUND"), text);
      assertTrue(text.contains("1 lines are not requests"), text);

      SpendReport spend = realRun(OpenAiBeamPipelineTest.options(dir, input.toString(), emu));
      System.out.print(spend.format());
      assertEquals(Map.of("house-model", 1L), spend.unpricedByModel());
      long est = estimate.totalNanos(false, PricingMode.ONLINE);
      double err = errorPercent(est, spend.totalNanos());
      System.out.printf("estimate %s vs spend %s: %+.2f%%%n", Usd.format(est), Usd.format(spend.totalNanos()), err);
      assertTrue(Math.abs(err) <= 5, "error " + err + "%");
      assertTrue(est >= spend.totalNanos(), "an upper bound below the spend");
      for (String m : new String[] {"gpt-4o-mini", "gpt-4.1-nano", "text-embedding-3-small"}) {
        assertTrue(spend.nanosByModel().getOrDefault(m, 0L) > 0, m + " not in " + spend.nanosByModel());
      }
    }
  }

  @Test
  void expectedFigureFollowsTheStatedAssumptionWhenMaxTokensIsLarge(@TempDir Path dir) throws Exception {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      lines.add("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Summarise ticket "
          + i + " in one line.\"}],\"max_tokens\":256}");
    }
    try (OpenAiEmulator emu = OpenAiEmulator.start(EmulatorConfig.builder().latency(LatencyModel.fixed(1)).build())) {
      Path input = OpenAiBeamPipelineTest.writeInput(dir, "in.jsonl", lines);
      // The user's assumption: answers take about 8 tokens (what this workload's answers use).
      EstimateReport estimate = CostEstimateRun.estimate(OpenAiBeamPipelineTest.options(
          dir, input.toString(), emu, "--estimateOnly", "--expectedOutputTokens=8"));
      System.out.print(estimate.format());
      SpendReport spend = realRun(OpenAiBeamPipelineTest.options(dir, input.toString(), emu));
      double expectedErr = errorPercent(estimate.totalNanos(true, PricingMode.ONLINE), spend.totalNanos());
      double upperErr = errorPercent(estimate.totalNanos(false, PricingMode.ONLINE), spend.totalNanos());
      System.out.printf("expected %+.2f%%, upper bound %+.2f%% of spend %s%n", expectedErr, upperErr,
          Usd.format(spend.totalNanos()));
      assertTrue(Math.abs(expectedErr) <= 5, "expected figure off by " + expectedErr + "%");
      assertTrue(upperErr > 100, "the upper bound must stay an upper bound: " + upperErr + "%");
    }
  }
}
