package dev.openaibeam.http;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Where the API key comes from. Holds only the name of the variable or the path of the file, so
 * it can be serialized with the pipeline and shown in display data; the key itself is read on the
 * worker by {@link #resolve()}.
 *
 * <p>On Dataflow, keep the key in Secret Manager and read it on the workers:
 *
 * <pre>{@code
 * OpenAiCall.create()
 *     .withApiKey(ApiKeySource.fromGcpSecret("projects/my-project/secrets/openai-key/versions/latest"));
 * }</pre>
 */
public final class ApiKeySource implements Serializable {
  private enum Kind {
    ENV,
    FILE,
    GCP_SECRET,
    NONE
  }

  private final Kind kind;
  private final String name;
  // Only for GCP_SECRET: where Secret Manager is, and credentials other than the default ones.
  private final @Nullable String secretManagerUrl;
  private final @Nullable String credentialsFile;

  private ApiKeySource(Kind kind, String name) {
    this(kind, name, null, null);
  }

  private ApiKeySource(
      Kind kind, String name, @Nullable String secretManagerUrl, @Nullable String credentialsFile) {
    this.kind = kind;
    this.name = name;
    this.secretManagerUrl = secretManagerUrl;
    this.credentialsFile = credentialsFile;
  }

  public static ApiKeySource fromEnv(String variable) {
    return new ApiKeySource(Kind.ENV, Objects.requireNonNull(variable, "variable"));
  }

  public static ApiKeySource fromFile(String path) {
    return new ApiKeySource(Kind.FILE, Objects.requireNonNull(path, "path"));
  }

  /**
   * A Google Secret Manager secret version, {@code projects/P/secrets/S/versions/latest}, read on
   * each worker when its call step starts, with the worker's application-default credentials (on
   * Dataflow: the worker service account, which needs {@code roles/secretmanager.secretAccessor}).
   */
  public static ApiKeySource fromGcpSecret(String versionName) {
    if (!dev.openaibeam.cloud.GcpSecretReader.isVersionName(versionName)) {
      throw new IllegalArgumentException(
          "expected projects/P/secrets/S/versions/V, got " + versionName);
    }
    return new ApiKeySource(Kind.GCP_SECRET, versionName);
  }

  /** For {@link #fromGcpSecret}: another Secret Manager URL (a regional endpoint, a test fake). */
  public ApiKeySource withSecretManagerUrl(String url) {
    checkSecret();
    return new ApiKeySource(kind, name, Objects.requireNonNull(url, "url"), credentialsFile);
  }

  /** For {@link #fromGcpSecret}: credentials JSON file to use instead of the default ones. */
  public ApiKeySource withGcpCredentialsFile(String path) {
    checkSecret();
    return new ApiKeySource(kind, name, secretManagerUrl, Objects.requireNonNull(path, "path"));
  }

  private void checkSecret() {
    if (kind != Kind.GCP_SECRET) {
      throw new IllegalStateException("only for fromGcpSecret(...), not " + describe());
    }
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
      case GCP_SECRET:
        return dev.openaibeam.cloud.GcpSecretReader.access(
            name,
            secretManagerUrl == null ? dev.openaibeam.cloud.GcpSecretReader.DEFAULT_URL : secretManagerUrl,
            credentialsFile);
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
      case GCP_SECRET:
        return "gcp-secret:" + name
            + (secretManagerUrl == null ? "" : " at " + secretManagerUrl)
            + (credentialsFile == null ? "" : " with credentials " + credentialsFile);
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
