package dev.openaibeam.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.openaibeam.emulator.EmulatorConfig;
import dev.openaibeam.emulator.EmulatorStats;
import dev.openaibeam.emulator.LatencyModel;
import dev.openaibeam.emulator.OpenAiEmulator;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The global budget holds on the direct runner and on Flink (local cluster) at parallelism 1, 2
 * and 4, with the budget split over as many shards as workers: against 1-second windows, 429s stay
 * within 1% of requests and no row is lost or doubled.
 */
@Tag("runners")
class BudgetOnRunnersTest {
  private static final int ROWS = 600;
  private static final long RPM = 3_000; // 50 per second, burst 50

  @ParameterizedTest(name = "{0} parallelism {1}")
  @CsvSource({"DirectRunner,1", "DirectRunner,3", "FlinkRunner,1", "FlinkRunner,2", "FlinkRunner,4"})
  void budgetHolds(String runner, int parallelism, @TempDir Path dir) throws Exception {
    EmulatorConfig cfg =
        EmulatorConfig.builder().rpm(RPM).windowSeconds(1).latency(LatencyModel.fixed(20)).build();
    try (OpenAiEmulator emu = OpenAiEmulator.start(cfg)) {
      Path input = OpenAiBeamPipelineTest.writeInput(
          dir, "in.jsonl", OpenAiBeamPipelineTest.mixedInput(ROWS).subList(0, ROWS));
      String[] runnerArgs = runner.equals("FlinkRunner")
          ? new String[] {"--runner=FlinkRunner", "--flinkMaster=[local]",
              "--parallelism=" + parallelism, "--budgetShards=" + parallelism, "--rpm=" + RPM}
          : new String[] {"--runner=DirectRunner", "--targetParallelism=" + Math.max(3, parallelism),
              "--budgetShards=" + parallelism, "--rpm=" + RPM};
      int rc = OpenAiBeamMain.run(OpenAiBeamPipelineTest.options(dir, input.toString(), emu, runnerArgs));
      assertEquals(0, rc);

      EmulatorStats s = emu.stats();
      List<JsonNode> results = JobFiles.lines(dir.resolve("out/results"));
      Set<String> ids = new HashSet<>();
      for (JsonNode r : results) {
        assertTrue(ids.add(r.get("id").asText()), "doubled " + r.get("id"));
      }
      assertEquals(ROWS, ids.size(), "rows lost");
      assertTrue(JobFiles.lines(dir.resolve("out/failures")).isEmpty());
      long rateLimited = s.rateLimitedRequests() + s.rateLimitedTokens();
      assertTrue(rateLimited <= ROWS / 100, "429s: " + rateLimited);
      assertEquals(0, s.repeatedAfterSuccess());
    }
  }
}
