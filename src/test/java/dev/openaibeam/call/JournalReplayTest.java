package dev.openaibeam.call;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.api.ApiResponse;
import dev.openaibeam.api.ApiResult;
import dev.openaibeam.connection.OpenAiConnection;
import dev.openaibeam.emulator.EmulatorConfig;
import dev.openaibeam.emulator.LatencyModel;
import dev.openaibeam.emulator.OpenAiEmulator;
import dev.openaibeam.jsonl.JsonlLines;
import dev.openaibeam.metrics.MetricCounters;
import dev.openaibeam.testing.Requests;
import dev.openaibeam.testing.TestKeys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.Create;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A calling instance started again by the runner (a lost worker) answers from the run's journal
 * what was answered before, instead of paying for it twice.
 */
@ExtendWith(TestPipelineExtension.class)
class JournalReplayTest {
  @Test
  void givenAJournalLeftByALostAttempt_itsRowsAreAnsweredFromItAndTheRestAreSent(
      TestPipeline p, @TempDir Path dir) throws Exception {
    List<ApiRequest> rows = Requests.chats(100, 5);
    Path journalDir = Files.createDirectories(dir.resolve("journal"));
    // The lost attempt answered rows 0..29; its file ends in a line cut short (row 30), and one
    // line (row 31) was torn in the middle.
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < 30; i++) {
      lines.append(JsonlLines.resultLine(ApiResponse.of(rows.get(i),
          "{\"journaled\":" + i + "}", 1, 7))).append('\n');
    }
    lines.append("{\"id\":\"").append(rows.get(31).getId()).append("\",\"metadata\":nul\n");
    String cut = JsonlLines.resultLine(ApiResponse.of(rows.get(30), "{\"journaled\":30}", 1, 7));
    lines.append(cut, 0, cut.length() / 2);
    Files.writeString(journalDir.resolve("part-lost-00000.jsonl"), lines, StandardCharsets.UTF_8);

    try (OpenAiEmulator emu =
        OpenAiEmulator.start(EmulatorConfig.builder().latency(LatencyModel.fixed(2)).build())) {
      ResultJournal journal = ResultJournal.to(journalDir.toString(), JsonlLines::resultLine)
          .withReplay(JsonlLines::parseResultLine);
      ApiResult r = p.apply(Create.of(rows)).apply(OpenAiCall.of(
          OpenAiConnection.to(emu.baseUrl()).withApiKey(TestKeys.file("sk-replay-test-77")))
          .withJournal(journal));
      PAssert.thatSingleton(r.getResponses().apply(Count.globally())).isEqualTo(100L);
      PAssert.that(r.getFailures()).empty();
      PAssert.that(r.getResponses()).satisfies(all -> {
        int fromJournal = 0;
        for (ApiResponse a : all) {
          int n = Integer.parseInt(a.getRequest().getId().replaceAll("\\D", ""));
          if (a.getBody().startsWith("{\"journaled\"")) {
            fromJournal++;
            assertEquals("{\"journaled\":" + n + "}", a.getBody(), "another row's answer");
            assertEquals(rows.get(n).getMetadata(), a.getRequest().getMetadata());
          }
        }
        assertEquals(30, fromJournal, "rows answered from the journal");
        return null;
      });
      PipelineResult result = p.run();
      result.waitUntilFinish();
      assertEquals(70, emu.stats().received(), "calls: the 70 rows the journal did not answer");
      assertEquals(30L, MetricCounters.inNamespace(result, CallMetrics.NAMESPACE)
          .get(CallMetrics.JOURNAL_REPLAYED));
    }
  }

  @Test
  void givenNoJournalYet_everyRowIsSent(TestPipeline p, @TempDir Path dir) throws Exception {
    try (OpenAiEmulator emu =
        OpenAiEmulator.start(EmulatorConfig.builder().latency(LatencyModel.fixed(2)).build())) {
      ResultJournal journal = ResultJournal.to(dir.resolve("none-yet").toString(),
          JsonlLines::resultLine).withReplay(JsonlLines::parseResultLine);
      List<ApiRequest> rows = new ArrayList<>(Requests.chats(20, 5));
      p.apply(Create.of(rows)).apply(OpenAiCall.of(
          OpenAiConnection.to(emu.baseUrl()).withApiKey(TestKeys.file("sk-replay-test-78")))
          .withJournal(journal));
      p.run().waitUntilFinish();
      assertEquals(20, emu.stats().received());
    }
  }
}
