package dev.openaibeam.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.openaibeam.api.ApiFailure;
import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.api.ApiResponse;
import dev.openaibeam.connection.ApiKeySource;
import dev.openaibeam.connection.OpenAiConnection;
import dev.openaibeam.emulator.BatchBehaviour;
import dev.openaibeam.emulator.EmulatorConfig;
import dev.openaibeam.emulator.OpenAiEmulator;
import dev.openaibeam.testing.Requests;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A runner retries a failed bundle with the same input: the await step must then continue from the
 * chunk's state file, not submit (and pay for) a resubmission it already made.
 */
class ChunkRunnerRetryTest {
  private static final String KEY = "sk-chunk-retry-4242";

  @Test
  void retriedAwaitReusesTheResubmissionItAlreadyMade(@TempDir Path dir) throws Exception {
    try (OpenAiEmulator emu =
        OpenAiEmulator.start(EmulatorConfig.builder().acceptedKeys(Set.of(KEY)).build())) {
      // The first batch runs 12 lines and expires; the remaining 8 need a second round.
      emu.setBatchBehaviour(BatchBehaviour.defaults().with("validatingMs", "20")
          .with("inProgressMs", "60").with("finalizingMs", "20").with("expireAfterLines", "12"));
      Path key = Files.writeString(dir.resolve("key.txt"), KEY);
      BatchConfiguration settings =
          OpenAiBatch.of(OpenAiConnection.to(emu.baseUrl()).withApiKey(ApiKeySource.fromFile(key.toString())))
              .withPollInterval(Duration.ofMillis(50))
              .withStateDirectory(dir.resolve("state").toString())
              .configuration();
      List<ApiRequest> requests = Requests.chats(20, 5);
      BatchChunk chunk = new BatchChunk("/v1/chat/completions", requests);

      try (ChunkRunner runner = new ChunkRunner(settings, new BatchMetrics())) {
        ChunkState initial = runner.submit(chunk).state;
        assertEquals(1, initial.rounds.size());

        List<ApiResponse> first = new ArrayList<>();
        List<ApiFailure> firstFailures = new ArrayList<>();
        runner.await(chunk, initial, first::add, firstFailures::add);
        assertEquals(20, first.size());
        assertEquals(0, firstFailures.size());
        assertEquals(2, emu.batchStats().batchesCreated());

        // The retry: the same element (one round) after the state file has recorded two.
        List<ApiResponse> retry = new ArrayList<>();
        List<ApiFailure> retryFailures = new ArrayList<>();
        runner.await(chunk, initial, retry::add, retryFailures::add);
        assertEquals(2, emu.batchStats().batchesCreated(), "the retry created another batch");
        assertEquals(0, retryFailures.size());
        assertEquals(ids(first), ids(retry));
        assertEquals(20, ids(retry).size());
      }
    }
  }

  private static Set<String> ids(List<ApiResponse> responses) {
    return responses.stream().map(r -> r.getRequest().getId()).collect(Collectors.toSet());
  }
}
