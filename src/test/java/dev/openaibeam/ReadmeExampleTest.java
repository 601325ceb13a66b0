package dev.openaibeam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openaibeam.api.ApiFailure;
import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.api.ApiResponse;
import dev.openaibeam.api.ApiResult;
import dev.openaibeam.call.OpenAiCall;
import dev.openaibeam.connection.ApiKeySource;
import dev.openaibeam.connection.OpenAiConnection;
import dev.openaibeam.emulator.EmulatorConfig;
import dev.openaibeam.emulator.OpenAiEmulator;
import dev.openaibeam.testing.TestKeys;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The README's "Using OpenAiCall in your own pipeline" example, verbatim but for the key source. */
@ExtendWith(TestPipelineExtension.class)
class ReadmeExampleTest {
  @Test
  void readmeExampleRuns(TestPipeline pipeline) throws Exception {
    try (OpenAiEmulator emu = OpenAiEmulator.start(EmulatorConfig.builder().build())) {
      String baseUrl = emu.baseUrl();
      ApiKeySource key = TestKeys.file("sk-readme"); // the README reads OPENAI_API_KEY

      PCollection<ApiRequest> requests =
          pipeline.apply(Create.of(
              ApiRequest.of("q-1", "/v1/chat/completions",
                  "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}],\"max_tokens\":20}",
                  "{\"source\":\"readme\"}")));

      OpenAiConnection openAi =
          OpenAiConnection.to(baseUrl) // or OpenAiConnection.openAi(): https://api.openai.com/v1
              .withApiKey(key);

      ApiResult result =
          requests.apply(
              OpenAiCall.of(openAi)
                  .withRequestsPerMinute(5_000)
                  .withTokensPerMinute(2_000_000)
                  .withMaxAttempts(5));

      PCollection<ApiResponse> answers = result.getResponses();
      PCollection<ApiFailure> failures = result.getFailures();

      PAssert.that(failures).empty();
      PAssert.thatSingleton(answers)
          .satisfies(
              r -> {
                assertEquals("q-1", r.getRequest().getId());
                assertEquals("{\"source\":\"readme\"}", r.getRequest().getMetadata());
                assertTrue(r.getBody().contains("chat.completion"));
                return null;
              });
      pipeline.run().waitUntilFinish();
      assertEquals(1, emu.stats().accepted());
    }
  }
}
