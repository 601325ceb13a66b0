package dev.openaibeam.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;
import dev.openaibeam.engine.EngineOptions;
import dev.openaibeam.engine.EnginePipeline;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarOutputStream;
import org.apache.beam.runners.dataflow.DataflowRunner;
import org.apache.beam.runners.dataflow.options.DataflowPipelineOptions;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.extensions.gcp.storage.NoopPathValidator;
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
    Path staged = dir.resolve("pipeline.jar");
    try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(staged))) {
      // a small stand-in for the bundled jar
    }
    Path template = dir.resolve("job.json");
    String[] args = {
      "--runner=DataflowRunner",
      "--streaming=true",
      "--project=openai-beam-test",
      "--region=europe-west1",
      "--jobName=openai-beam-engine-translate",
      "--tempLocation=gs://openai-beam-test/tmp",
      "--gcpTempLocation=gs://openai-beam-test/tmp",
      "--stagingLocation=" + dir.resolve("staging"),
      "--templateLocation=" + template,
      "--filesToStage=" + staged,
      "--pubsubRequests=projects/openai-beam-test/subscriptions/openai-requests",
      "--pubsubResults=projects/openai-beam-test/topics/openai-results",
      "--pubsubFailures=projects/openai-beam-test/topics/openai-failures",
      "--apiKeyFile=" + keyFile,
      "--rpm=500",
      "--tpm=200000",
    };
    PipelineOptionsFactory.register(EngineOptions.class);
    EngineOptions options = PipelineOptionsFactory.fromArgs(args).as(EngineOptions.class);
    DataflowPipelineOptions dataflow = options.as(DataflowPipelineOptions.class);
    dataflow.setPathValidatorClass(NoopPathValidator.class);
    dataflow.setGcpCredential(GoogleCredentials.create(new AccessToken("offline", null)));

    Pipeline p = Pipeline.create(options);
    EnginePipeline.build(p, options);
    PipelineResult result = DataflowRunner.fromOptions(options).run(p);
    assertEquals("DataflowTemplateJob", result.getClass().getSimpleName());

    String job = Files.readString(template, StandardCharsets.UTF_8);
    JsonNode root = JSON.readTree(job);
    assertEquals("JOB_TYPE_STREAMING", root.path("type").asText(), "a streaming job");
    List<String> names = new ArrayList<>();
    for (JsonNode s : root.path("steps")) {
      JsonNode userName = s.path("properties").path("user_name");
      names.add(userName.isObject() ? userName.path("value").asText() : userName.asText());
    }
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
