package dev.openaibeam.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openaibeam.engine.EngineOptions;
import dev.openaibeam.engine.EnginePipeline;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.runners.dataflow.DataflowRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's streaming pipeline translates for Dataflow with Pub/Sub as its source and sinks,
 * offline, as {@link DataflowTranslationTest} does for the batch job (a template written to a local
 * file, no call to Google). What it cannot show: that Dataflow runs it, or Pub/Sub itself.
 */
@Tag("cloud")
class EngineDataflowTranslationTest {
  private static final String KEY = "sk-engine-dataflow-never-in-the-job-2718";
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void givenPubsubSourceAndSinks_streamingJobTranslatesWithoutTheKey(@TempDir Path dir) throws Exception {
    Path keyFile = dir.resolve("key.txt");
    Files.writeString(keyFile, KEY);
    List<String> args = OfflineDataflow.args(dir.resolve("translate"), "openai-beam-engine-translate");
    args.addAll(List.of(
        "--streaming=true",
        "--pubsubRequests=projects/openai-beam-test/subscriptions/openai-requests",
        "--pubsubResults=projects/openai-beam-test/topics/openai-results",
        "--pubsubFailures=projects/openai-beam-test/topics/openai-failures",
        "--apiKeyFile=" + keyFile,
        "--rpm=500",
        "--tpm=200000"));
    PipelineOptionsFactory.register(EngineOptions.class);
    EngineOptions options =
        PipelineOptionsFactory.fromArgs(args.toArray(new String[0])).as(EngineOptions.class);
    OfflineDataflow.offline(options);

    Pipeline p = Pipeline.create(options);
    EnginePipeline.build(p, options);
    PipelineResult result = DataflowRunner.fromOptions(options).run(p);
    assertEquals("DataflowTemplateJob", result.getClass().getSimpleName());

    String job = Files.readString(OfflineDataflow.template(dir.resolve("translate")), StandardCharsets.UTF_8);
    JsonNode root = JSON.readTree(job);
    assertEquals("JOB_TYPE_STREAMING", root.path("type").asText(), "a streaming job");
    List<String> names = OfflineDataflow.stepNames(root);
    System.out.println("engine dataflow job: " + names.size() + " steps: " + names);
    for (String step : List.of("Requests/ReadSubscription", "Requests/ParseMessages", "Answer/KeyByBudgetShard", "Answer/CallApi",
        "WriteResults", "WriteFailures")) {
      assertTrue(names.stream().anyMatch(n -> n.startsWith(step)), step + " missing from " + names);
    }
    assertTrue(job.contains("projects/openai-beam-test/subscriptions/openai-requests"), "the subscription");
    assertTrue(job.contains("projects/openai-beam-test/topics/openai-results"), "the results topic");
    assertFalse(job.contains(KEY), "the key is in the job");
  }
}
