package dev.openaibeam.consumer;

import dev.openaibeam.api.ApiFailure;
import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.api.ApiResponse;
import dev.openaibeam.api.ApiResult;
import dev.openaibeam.call.OpenAiCall;
import dev.openaibeam.connection.ApiKeySource;
import dev.openaibeam.connection.OpenAiConnection;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;

/**
 * What a user's pipeline that imports openai-beam looks like: it compiles against the library
 * alone. It is never run here (that needs a runner, which the user's pipeline chooses).
 */
public final class ConsumerPipeline {
  private ConsumerPipeline() {}

  public static Pipeline build(PipelineOptions options) {
    Pipeline p = Pipeline.create(options);
    OpenAiConnection openAi =
        OpenAiConnection.openAi().withApiKey(ApiKeySource.fromEnv("OPENAI_API_KEY"));
    ApiResult result =
        p.apply(Create.of(ApiRequest.of("q-1", "/v1/chat/completions",
                "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}",
                null)))
            .apply(OpenAiCall.of(openAi).withRequestsPerMinute(5_000));
    PCollection<ApiResponse> answers = result.getResponses();
    PCollection<ApiFailure> failures = result.getFailures();
    return p;
  }
}
