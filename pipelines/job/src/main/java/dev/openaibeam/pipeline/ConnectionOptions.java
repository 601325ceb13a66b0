package dev.openaibeam.pipeline;

import com.google.common.base.Strings;
import dev.openaibeam.connection.ApiKeySource;
import dev.openaibeam.connection.GcpSecretKeySource;
import dev.openaibeam.connection.OpenAiConnection;
import java.time.Duration;

/** The {@link OpenAiConnection} the job's options describe, shared by the online and batch paths. */
final class ConnectionOptions {
  private ConnectionOptions() {}

  static OpenAiConnection connectionFrom(OpenAiBeamOptions o) {
    OpenAiConnection c =
        OpenAiConnection.to(o.getBaseUrl())
            .withApiKey(keySource(o))
            .withRequestTimeout(Duration.ofSeconds(o.getRequestTimeoutSeconds()));
    if (!Strings.isNullOrEmpty(o.getAzureApiVersion())) {
      c = c.withAzure(o.getAzureApiVersion());
    }
    return c;
  }

  /** Where the key comes from: none, a Secret Manager secret, a file, else an environment variable. */
  static ApiKeySource keySource(OpenAiBeamOptions o) {
    if (o.getNoApiKey()) {
      return ApiKeySource.none();
    }
    if (!Strings.isNullOrEmpty(o.getApiKeySecret())) {
      GcpSecretKeySource secret = ApiKeySource.fromGcpSecret(o.getApiKeySecret());
      return Strings.isNullOrEmpty(o.getSecretManagerUrl())
          ? secret
          : secret.withSecretManagerUrl(o.getSecretManagerUrl());
    }
    if (!Strings.isNullOrEmpty(o.getApiKeyFile())) {
      return ApiKeySource.fromFile(o.getApiKeyFile());
    }
    return ApiKeySource.fromEnv(o.getApiKeyEnv());
  }
}
