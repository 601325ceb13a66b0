package dev.openaibeam.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openaibeam.emulator.EmulatorConfig;
import dev.openaibeam.emulator.LatencyModel;
import dev.openaibeam.emulator.OpenAiEmulator;
import dev.openaibeam.pipeline.OpenAiBeamMain;
import dev.openaibeam.pipeline.OpenAiBeamOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The JSONL job reading from and writing to s3:// for real: Adobe S3Mock in its own JVM on
 * 127.0.0.1, Beam's AWS2 filesystem pointed at it with {@code --endpoint}, and the results read
 * back with the plain AWS SDK.
 */
@Tag("cloud")
class S3RoundTripTest {
  private static final String BUCKET = "openai-beam-test";
  private static final String KEY = "sk-s3-test-secret-7311";
  private static final int CHATS = 40;
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  @Timeout(240)
  void jsonlJobReadsAndWritesS3(@TempDir Path dir) throws Exception {
    try (S3MockServer s3 = S3MockServer.start(dir.resolve("s3root"), BUCKET, 150);
        OpenAiEmulator emu =
            OpenAiEmulator.start(EmulatorConfig.builder().latency(LatencyModel.fixed(2)).build());
        S3Client client = client(s3.endpoint())) {
      client.putObject(b -> b.bucket(BUCKET).key("in/requests.jsonl"),
          RequestBody.fromString(String.join("\n", input()) + "\n", StandardCharsets.UTF_8));
      Path keyFile = dir.resolve("key.txt");
      Files.writeString(keyFile, KEY);

      String[] args = {
        "--runner=DirectRunner",
        "--input=s3://" + BUCKET + "/in/*.jsonl",
        "--output=s3://" + BUCKET + "/out/results",
        "--failures=s3://" + BUCKET + "/out/failures",
        "--baseUrl=" + emu.baseUrl(),
        "--apiKeyFile=" + keyFile,
        "--outputShards=2",
        "--awsRegion=us-west-2",
        "--endpoint=" + s3.endpoint(),
        "--awsCredentialsProvider={\"@type\":\"StaticCredentialsProvider\","
            + "\"accessKeyId\":\"test\",\"secretAccessKey\":\"test\"}"
      };
      PipelineOptionsFactory.register(OpenAiBeamOptions.class);
      OpenAiBeamOptions options =
          PipelineOptionsFactory.fromArgs(args).withValidation().as(OpenAiBeamOptions.class);
      assertEquals(URI.create(s3.endpoint()), options.as(S3Options.class).getEndpoint());
      assertEquals(0, OpenAiBeamMain.run(options));

      List<String> keys = new ArrayList<>();
      for (S3Object o : client.listObjectsV2Paginator(b -> b.bucket(BUCKET)).contents()) {
        keys.add(o.key());
      }
      System.out.println("s3 objects after the run (" + keys.size() + "): " + keys);
      List<JsonNode> results = read(client, keys, "out/results");
      List<JsonNode> failures = read(client, keys, "out/failures");
      System.out.println("s3 results " + results.size() + ", failures " + failures.size());

      Set<String> expected = new TreeSet<>();
      for (int i = 1; i <= CHATS; i++) {
        expected.add("requests.jsonl:" + i);
      }
      expected.add("emb-1");
      Set<String> seen = new HashSet<>();
      for (JsonNode r : results) {
        assertTrue(seen.add(r.get("id").asText()), "duplicate " + r.get("id"));
        assertTrue(r.get("response").toString()
            .contains(OpenAiEmulator.digest(r.get("request").toString())), "foreign answer " + r);
      }
      assertEquals(expected, new TreeSet<>(seen));
      assertEquals(1, failures.size());
      assertEquals("requests.jsonl:" + (CHATS + 2), failures.get(0).get("id").asText());
      assertEquals(2, keys.stream().filter(k -> k.startsWith("out/results-")).count(), keys.toString());
      assertTrue(keys.stream().anyMatch(k -> k.startsWith("out/results.journal/")),
          "the journal is on s3 too: " + keys);
      for (String k : keys) {
        assertFalse(client.getObjectAsBytes(b -> b.bucket(BUCKET).key(k)).asUtf8String().contains(KEY),
            "key written to s3://" + BUCKET + "/" + k);
      }
    }
  }

  private static List<String> input() {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < CHATS; i++) {
      lines.add("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"s3 q" + i
          + "\"}],\"max_tokens\":5}");
    }
    lines.add("{\"url\":\"/v1/embeddings\",\"custom_id\":\"emb-1\",\"model\":\"text-embedding-3-small\","
        + "\"input\":\"hello\"}");
    lines.add("not json at all");
    return lines;
  }

  private static List<JsonNode> read(S3Client client, List<String> keys, String prefix) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String k : keys) {
      if (k.startsWith(prefix + "-") && k.endsWith(".jsonl")) {
        for (String line : client.getObjectAsBytes(b -> b.bucket(BUCKET).key(k)).asUtf8String().split("\n")) {
          if (!line.isEmpty()) {
            out.add(JSON.readTree(line));
          }
        }
      }
    }
    return out;
  }

  private static S3Client client(String endpoint) {
    return S3Client.builder()
        .endpointOverride(URI.create(endpoint))
        .region(Region.US_WEST_2)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
        .forcePathStyle(true)
        .build();
  }
}
