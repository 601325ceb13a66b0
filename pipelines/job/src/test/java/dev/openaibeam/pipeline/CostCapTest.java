package dev.openaibeam.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.openaibeam.cost.SpendReport;
import dev.openaibeam.emulator.EmulatorConfig;
import dev.openaibeam.emulator.EmulatorStats;
import dev.openaibeam.emulator.LatencyModel;
import dev.openaibeam.emulator.OpenAiEmulator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --maxCostUsd}: a cap below the input's cost stops the run under the cap (checked with the
 * emulator's own count of accepted tokens), exit code 3, no failure rows for the rows held back;
 * {@code --resume} with a higher cap then sends exactly the rest.
 */
class CostCapTest {
  // Input and output at the same price, so the emulator's accepted tokens (prompt + max_tokens,
  // which equals its answer's usage for max_tokens <= 8) price the calls it accepted exactly.
  private static final String PRICES = "{\"models\":{\"cap-model\":{\"input\":1000,\"output\":1000}}}";
  private static final double USD_PER_TOKEN = 1000 / 1e6;
  private static final int ROWS = 60;

  private static int runCapturingErr(OpenAiBeamOptions o, StringBuilder err) {
    PrintStream old = System.err;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      return OpenAiBeamMain.run(o);
    } finally {
      System.setErr(old);
      err.append(buf.toString(StandardCharsets.UTF_8));
    }
  }

  @Test
  void stopsBelowTheCapAndResumesTheRestWithoutCallingARowTwice(@TempDir Path dir) throws Exception {
    Path prices = dir.resolve("prices.json");
    Files.writeString(prices, PRICES);
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) {
      lines.add("{\"custom_id\":\"row-" + i + "\",\"model\":\"cap-model\",\"messages\":[{\"role\":\"user\","
          + "\"content\":\"Question " + i + " about the cost cap, please answer briefly.\"}],\"max_tokens\":5}");
    }
    lines.add("{\"custom_id\":\"no-price\",\"model\":\"no-price-model\",\"messages\":[{\"role\":\"user\","
        + "\"content\":\"hi\"}],\"max_tokens\":5}");
    Path input = OpenAiBeamPipelineTest.writeInput(dir, "in.jsonl", lines);
    double cap = 0.30;

    try (OpenAiEmulator emu = OpenAiEmulator.start(EmulatorConfig.builder().latency(LatencyModel.fixed(5)).build())) {
      StringBuilder err = new StringBuilder();
      int rc = runCapturingErr(OpenAiBeamPipelineTest.options(dir, input.toString(), emu,
          "--priceFile=" + prices, "--maxCostUsd=" + cap), err);
      EmulatorStats first = emu.stats();
      double spent = first.acceptedTokens() * USD_PER_TOKEN;
      System.out.printf("first run: exit %d, %d calls accepted, $%.4f of $%.2f%n%s",
          rc, first.accepted(), spent, cap, err);
      assertEquals(SpendReport.EXIT_COST_CAP, rc, err.toString());
      assertTrue(spent <= cap, "spent " + spent + " > cap " + cap);
      assertTrue(spent >= 0.9 * cap, "stopped too early: " + spent);
      long notSent = ROWS - first.accepted();
      assertTrue(notSent > 0);
      assertTrue(err.toString().contains("cost cap reached: spent $"), err.toString());
      assertTrue(err.toString().contains(notSent + " rows not sent"), err.toString());
      assertEquals(first.accepted(), JobFiles.lines(dir.resolve("out/results")).size());
      List<JsonNode> failures = JobFiles.lines(dir.resolve("out/failures"));
      assertEquals(1, failures.size(), "only the unpriced row fails: " + failures);
      assertEquals("unpriced_model", failures.get(0).path("error").path("code").asText());
      // The emulator saw exactly the calls it accepted, and never the unpriced row (bodies as sent:
      // the parser drops custom_id).
      Set<String> seen = emu.receivedDigests();
      int capRowsSeen = 0;
      for (int i = 0; i < ROWS; i++) {
        if (seen.contains(OpenAiEmulator.digest(lines.get(i).replace("{\"custom_id\":\"row-" + i + "\",", "{")))) {
          capRowsSeen++;
        }
      }
      assertEquals(first.accepted(), capRowsSeen, "digests of the rows sent");
      assertEquals(0, first.received() - first.accepted(), "the emulator refused a call");
      assertTrue(!seen.contains(OpenAiEmulator.digest(lines.get(ROWS).replace("{\"custom_id\":\"no-price\",", "{"))),
          "the unpriced row was sent");

      int rc2 = OpenAiBeamMain.run(OpenAiBeamPipelineTest.options(dir, input.toString(), emu,
          "--priceFile=" + prices, "--maxCostUsd=100", "--resume"));
      EmulatorStats total = emu.stats();
      System.out.printf("resumed run: exit %d, %d more calls, %d repeated%n",
          rc2, total.accepted() - first.accepted(), total.repeatedAfterSuccess());
      assertEquals(0, rc2);
      assertEquals(ROWS, total.accepted(), "every row called exactly once over both runs");
      assertEquals(0, total.repeatedAfterSuccess());
      Set<String> ids = new HashSet<>();
      for (JsonNode r : JobFiles.lines(dir.resolve("out/results"))) {
        assertTrue(ids.add(r.get("id").asText()), "duplicate " + r.get("id"));
      }
      assertEquals(ROWS, ids.size());
    }
  }
}
