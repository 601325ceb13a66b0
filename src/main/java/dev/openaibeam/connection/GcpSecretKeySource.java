package dev.openaibeam.connection;

import java.util.Objects;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The key in a Google Secret Manager secret version, read on each worker when its calling step
 * starts (once per worker JVM and version every 10 minutes, see {@link GcpSecretReader}).
 *
 * <pre>{@code
 * OpenAiConnection.openAi()
 *     .withApiKey(ApiKeySource.fromGcpSecret("projects/my-project/secrets/openai-key/versions/latest"));
 * }</pre>
 */
public record GcpSecretKeySource(
    String versionName, @Nullable String secretManagerUrl, @Nullable String credentialsFile)
    implements ApiKeySource {
  private static final String CREDENTIALS_CLASS = "com.google.auth.oauth2.GoogleCredentials";

  public GcpSecretKeySource {
    Objects.requireNonNull(versionName, "versionName");
    if (!GcpSecretReader.isVersionName(versionName)) {
      throw new IllegalArgumentException(
          "expected projects/P/secrets/S/versions/V, got " + versionName);
    }
  }

  static GcpSecretKeySource of(String versionName) {
    try {
      Class.forName(CREDENTIALS_CLASS, false, GcpSecretKeySource.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(
          "ApiKeySource.fromGcpSecret needs com.google.auth:google-auth-library-oauth2-http on the"
              + " class path (Beam's GCP extension brings it); add it to your pipeline's dependencies",
          e);
    }
    return new GcpSecretKeySource(versionName, null, null);
  }

  /** Another Secret Manager URL (a regional endpoint, a test fake). */
  public GcpSecretKeySource withSecretManagerUrl(String url) {
    return new GcpSecretKeySource(versionName, Objects.requireNonNull(url, "url"), credentialsFile);
  }

  /** A credentials JSON file to use instead of the application-default credentials. */
  public GcpSecretKeySource withGcpCredentialsFile(String path) {
    return new GcpSecretKeySource(versionName, secretManagerUrl, Objects.requireNonNull(path, "path"));
  }

  @Override
  public String resolve() {
    return GcpSecretReader.access(
        versionName,
        secretManagerUrl == null ? GcpSecretReader.DEFAULT_URL : secretManagerUrl,
        credentialsFile);
  }

  @Override
  public String describe() {
    return "gcp-secret:" + versionName
        + (secretManagerUrl == null ? "" : " at " + secretManagerUrl)
        + (credentialsFile == null ? "" : " with credentials " + credentialsFile);
  }

  @Override
  public String toString() {
    return describe();
  }
}
