package dev.openaibeam.http;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the API key comes from. Holds only the name of the variable or the path of the file, so
 * it can be serialized with the pipeline and shown in display data; the key itself is read on the
 * worker by {@link #resolve()}.
 */
public final class ApiKeySource implements Serializable {
  private enum Kind {
    ENV,
    FILE,
    NONE
  }

  private final Kind kind;
  private final String name;

  private ApiKeySource(Kind kind, String name) {
    this.kind = kind;
    this.name = name;
  }

  public static ApiKeySource fromEnv(String variable) {
    return new ApiKeySource(Kind.ENV, Objects.requireNonNull(variable, "variable"));
  }

  public static ApiKeySource fromFile(String path) {
    return new ApiKeySource(Kind.FILE, Objects.requireNonNull(path, "path"));
  }

  /** Sends no key (local servers that want none). */
  public static ApiKeySource none() {
    return new ApiKeySource(Kind.NONE, "");
  }

  /** Reads the key now. The message of a failure names the source, never a value. */
  public String resolve() {
    switch (kind) {
      case ENV:
        String v = System.getenv(name);
        if (v == null || v.isBlank()) {
          throw new IllegalStateException(
              "no API key: environment variable " + name + " is not set on this worker");
        }
        return v.trim();
      case FILE:
        try {
          String k = Files.readString(Path.of(name), StandardCharsets.UTF_8).trim();
          if (k.isEmpty()) {
            throw new IllegalStateException("no API key: file " + name + " is empty");
          }
          return k;
        } catch (IOException e) {
          throw new UncheckedIOException("no API key: cannot read file " + name, e);
        }
      default:
        return "";
    }
  }

  /** Safe to show: where the key comes from. */
  public String describe() {
    switch (kind) {
      case ENV:
        return "env:" + name;
      case FILE:
        return "file:" + name;
      default:
        return "none";
    }
  }

  @Override
  public String toString() {
    return describe();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ApiKeySource && ((ApiKeySource) o).describe().equals(describe());
  }

  @Override
  public int hashCode() {
    return describe().hashCode();
  }
}
