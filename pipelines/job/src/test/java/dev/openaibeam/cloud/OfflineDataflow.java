package dev.openaibeam.cloud;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarOutputStream;
import org.apache.beam.runners.dataflow.options.DataflowPipelineOptions;
import org.apache.beam.sdk.extensions.gcp.storage.NoopPathValidator;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * A Dataflow job translated offline: written as a template to a local file, with no call to
 * Google (no path validation, a stand-in credential, a stand-in jar to stage).
 */
final class OfflineDataflow {
  private OfflineDataflow() {}

  /** Where {@link #args} has the template written. */
  static Path template(Path dir) {
    return dir.resolve("job.json");
  }

  /** The runner, project, locations and staging options of an offline translation in {@code dir}. */
  static List<String> args(Path dir, String jobName) throws IOException {
    Files.createDirectories(dir);
    Path staged = dir.resolve("pipeline.jar");
    try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(staged))) {
      // a small stand-in for the bundled jar: staging it is what is checked, not its contents
    }
    return new ArrayList<>(List.of(
        "--runner=DataflowRunner",
        "--project=openai-beam-test",
        "--region=europe-west1",
        "--jobName=" + jobName,
        "--tempLocation=gs://openai-beam-test/tmp",
        // Set, not derived: deriving it from --tempLocation looks the bucket up on GCS.
        "--gcpTempLocation=gs://openai-beam-test/tmp",
        "--stagingLocation=" + dir.resolve("staging"),
        "--templateLocation=" + template(dir),
        "--filesToStage=" + staged));
  }

  /** No bucket lookups and no credentials from the environment. */
  static void offline(PipelineOptions options) {
    DataflowPipelineOptions dataflow = options.as(DataflowPipelineOptions.class);
    dataflow.setPathValidatorClass(NoopPathValidator.class);
    dataflow.setGcpCredential(GoogleCredentials.create(new AccessToken("offline", null)));
  }

  /** The steps' user names in a translated job. */
  static List<String> stepNames(JsonNode job) {
    List<String> names = new ArrayList<>();
    for (JsonNode s : job.path("steps")) {
      JsonNode userName = s.path("properties").path("user_name");
      names.add(userName.isObject() ? userName.path("value").asText() : userName.asText());
    }
    return names;
  }
}
