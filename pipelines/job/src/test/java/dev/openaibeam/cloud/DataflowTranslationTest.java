package dev.openaibeam.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openaibeam.pipeline.OpenAiBeamOptions;
import dev.openaibeam.pipeline.OpenAiBeamPipeline;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.runners.dataflow.DataflowRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.extensions.gcp.storage.NoopPathValidator;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JSONL job translates for the DataflowRunner, offline. The runner is asked for a template
 * ({@code --templateLocation}, a local file here): Beam then translates the pipeline, stages the
 * files and writes the job instead of submitting it. Nothing talks to Google: paths are not
 * validated (NoopPathValidator), staging goes to a local directory, and the credential is a fixed
 * token that no one asks for. What this cannot show: that the Dataflow service accepts the job, that
 * workers start, or that gs:// works (see docs/cloud.md).
 */
@Tag("cloud")
class DataflowTranslationTest {
  private static final String KEY = "sk-dataflow-never-in-the-job-1618";
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void jobTranslatesWithOurStepsAndNoKey(@TempDir Path dir) throws Exception {
    Path keyFile = dir.resolve("key.txt");
    Files.writeString(keyFile, KEY);
    // With the key in a file this JVM can read, a key resolved while building would reach the job.
    translate(dir.resolve("from-file"), "--apiKeyFile=" + keyFile, null);
    translate(dir.resolve("from-secret"),
        "--apiKeySecret=projects/openai-beam-test/secrets/openai-key/versions/latest",
        "projects/openai-beam-test/secrets/openai-key/versions/latest");
  }

  private static void translate(Path dir, String keyOption, String secretName) throws Exception {
    List<String> args = OfflineDataflow.args(dir, "openai-beam-translate");
    args.addAll(List.of(
        "--input=gs://openai-beam-test/in/*.jsonl",
        "--output=gs://openai-beam-test/out/results",
        "--failures=gs://openai-beam-test/out/failures",
        keyOption,
        "--rpm=500",
        "--tpm=200000",
        "--budgetShards=4",
        "--maxNumWorkers=4",
        "--workerMachineType=n2-standard-2"));
    PipelineOptionsFactory.register(OpenAiBeamOptions.class);
    OpenAiBeamOptions options = PipelineOptionsFactory.fromArgs(args.toArray(new String[0]))
        .withValidation().as(OpenAiBeamOptions.class);
    OfflineDataflow.offline(options);

    Pipeline p = Pipeline.create(options);
    OpenAiBeamPipeline.build(p, options);
    PipelineResult result = DataflowRunner.fromOptions(options).run(p);
    // A template "result" has no state: the job was written, not submitted.
    assertEquals("DataflowTemplateJob", result.getClass().getSimpleName());

    String job = Files.readString(OfflineDataflow.template(dir), StandardCharsets.UTF_8);
    List<String> names = OfflineDataflow.stepNames(JSON.readTree(job));
    System.out.println("dataflow job: " + job.length() + " chars, " + names.size() + " steps");
    assertTrue(names.stream().noneMatch(String::isEmpty), "step without a name: " + names);
    for (String step : List.of("ReadRequests", "Answer/CallOpenAi", "FormatResults", "WriteResults", "WriteFailures")) {
      assertTrue(names.stream().anyMatch(n -> n.startsWith(step)), step + " missing from " + names);
    }
    if (secretName != null) {
      assertTrue(job.contains(secretName), "the secret's name, not its value, travels with the job");
    }
    assertFalse(job.contains(KEY), "the key is in the job");
    assertTrue(job.contains("n2-standard-2"), "worker settings missing");
    List<String> stagedFiles = new ArrayList<>();
    try (var files = Files.list(dir.resolve("staging"))) {
      files.forEach(f -> stagedFiles.add(f.getFileName().toString()));
    }
    System.out.println("dataflow staged: " + stagedFiles + "; steps: " + names);
    assertTrue(stagedFiles.stream().anyMatch(f -> f.startsWith("pipeline-") && f.endsWith(".jar")),
        "the jar was not staged: " + stagedFiles);
  }
}
