package dev.openaibeam.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.openaibeam.connection.ApiKeySource;
import dev.openaibeam.connection.OpenAiConnection;
import dev.openaibeam.testing.Serialized;
import java.time.Duration;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.junit.jupiter.api.Test;

/** Configuration of {@link OpenAiBatch}: display data, validation, and no key anywhere. */
class OpenAiBatchDisplayTest {
  @Test
  void displayDataNamesTheKeySourceNeverTheKey() throws Exception {
    String key = "sk-display-secret-123456";
    java.nio.file.Path file = java.nio.file.Files.createTempFile("key", ".txt");
    java.nio.file.Files.writeString(file, key);
    OpenAiBatch t = OpenAiBatch.of(OpenAiConnection.to("http://127.0.0.1:9/v1")
            .withApiKey(ApiKeySource.fromFile(file.toString())))
        .withPollInterval(Duration.ofSeconds(5))
        .withStateDirectory("/tmp/x.batches");
    DisplayData d = DisplayData.from(t);
    assertFalse(d.toString().contains(key));
    assertEquals("file:" + file, d.items().stream().filter(i -> i.getKey().equals("apiKeySource"))
        .findFirst().get().getValue());
    assertFalse(Serialized.text(t).contains(key), "key in the serialized transform");
  }

  @Test
  void validateRefusesLimitsAboveTheServices() {
    OpenAiBatch tooMany = OpenAiBatch.of(OpenAiConnection.openAi()).withFileLimits(50_001, 1_000);
    assertThrows(IllegalArgumentException.class, () -> tooMany.validate(null));
    OpenAiBatch tooBig = OpenAiBatch.of(OpenAiConnection.openAi()).withFileLimits(10, 201L * 1024 * 1024);
    assertThrows(IllegalArgumentException.class, () -> tooBig.validate(null));
    assertThrows(IllegalArgumentException.class, () -> OpenAiBatch.of(OpenAiConnection.openAi()).withMaxRounds(0));
    OpenAiBatch.of(OpenAiConnection.openAi()).withFileLimits(50_000, 200L * 1024 * 1024).validate(null);
  }
}
