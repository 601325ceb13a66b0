package dev.openaibeam.testing;

import dev.openaibeam.connection.ApiKeySource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** API keys for tests, in files, the way a user keeps a key out of the pipeline's options. */
public final class TestKeys {
  private TestKeys() {}

  public static ApiKeySource file(String key) {
    try {
      Path p = Files.createTempFile("openai-beam-key", ".txt");
      Files.writeString(p, key + "\n", StandardCharsets.UTF_8);
      p.toFile().deleteOnExit();
      return ApiKeySource.fromFile(p.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
