package dev.openaibeam.connection;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/** The key in a file the worker can read. */
record FileKeySource(String path) implements ApiKeySource {
  FileKeySource {
    Objects.requireNonNull(path, "path");
  }

  @Override
  public String resolve() {
    String k;
    try {
      k = Files.readString(Path.of(path), StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new UncheckedIOException("no API key: cannot read file " + path, e);
    }
    if (k.isEmpty()) {
      throw new IllegalStateException("no API key: file " + path + " is empty");
    }
    return k;
  }

  @Override
  public String describe() {
    return "file:" + path;
  }

  @Override
  public String toString() {
    return describe();
  }
}
