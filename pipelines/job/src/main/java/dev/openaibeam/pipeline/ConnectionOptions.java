package dev.openaibeam.pipeline;

import com.google.common.base.Strings;
import dev.openaibeam.connection.ApiKeySource;
import dev.openaibeam.connection.GcpSecretKeySource;
import dev.openaibeam.connection.OpenAiConnection;
import dev.openaibeam.pool.KeyPool;
import dev.openaibeam.pool.KeyPoolFile;
import dev.openaibeam.pool.PoolMember;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The {@link OpenAiConnection} the job's options describe, shared by the online and batch paths. */
final class ConnectionOptions {
  private ConnectionOptions() {}

  /**
   * The key pool of {@code --keysFile}, else the one connection the key options describe. With a
   * pool, the limits are its members': --rpm/--tpm and the single-key options are refused.
   */
  static KeyPool poolFrom(OpenAiBeamOptions o) {
    if (Strings.isNullOrEmpty(o.getKeysFile())) {
      return KeyPool.single(connectionFrom(o));
    }
    if (o.getRpm() > 0 || o.getTpm() > 0) {
      throw new IllegalArgumentException("--rpm/--tpm do not go with --keysFile: give each member's"
          + " rpm and tpm in the keys file (or leave them out to learn them from the service)");
    }
    if (!Strings.isNullOrEmpty(o.getApiKeyFile()) || !Strings.isNullOrEmpty(o.getApiKeySecret())
        || o.getNoApiKey()) {
      throw new IllegalArgumentException("--apiKeyFile/--apiKeySecret/--noApiKey do not go with"
          + " --keysFile: each member names its own key source");
    }
    KeyPool pool = KeyPoolFile.read(o.getKeysFile());
    Duration timeout = Duration.ofSeconds(o.getRequestTimeoutSeconds());
    List<PoolMember> members = new ArrayList<>();
    for (PoolMember m : pool.getMembers()) {
      members.add(m.withConnection(m.getConnection().withRequestTimeout(timeout)));
    }
    return KeyPool.of(members);
  }

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
