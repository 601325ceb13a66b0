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
import java.util.Locale;
import java.util.function.Function;
import org.checkerframework.checker.nullness.qual.Nullable;

/** The {@link OpenAiConnection} the job's options describe, shared by the online and batch paths. */
public final class ConnectionOptions {
  static final String DEFAULT_BASE_URL = "https://api.openai.com/v1";

  private ConnectionOptions() {}

  /**
   * The key pool of {@code --keysFile}, else the one connection the key options describe. With a
   * pool, the limits are its members': --rpm/--tpm and the single-key options are refused.
   */
  public static KeyPool poolFrom(OpenAiBeamOptions o) {
    if (Strings.isNullOrEmpty(o.getKeysFile())) {
      return KeyPool.single(connectionFrom(o));
    }
    if (o.getRpm() > 0 || o.getTpm() > 0) {
      throw new IllegalArgumentException("--rpm/--tpm do not go with --keysFile: give each member's"
          + " rpm and tpm in the keys file (or leave them out to learn them from the service)");
    }
    if (!Strings.isNullOrEmpty(o.getApiKeyFile()) || !Strings.isNullOrEmpty(o.getApiKeySecret())
        || o.getNoApiKey() || !Strings.isNullOrEmpty(o.getBaseUrl())
        || !Strings.isNullOrEmpty(o.getOpenaiOrganization()) || !Strings.isNullOrEmpty(o.getOpenaiProject())) {
      throw new IllegalArgumentException("--apiKeyFile/--apiKeySecret/--noApiKey/--baseUrl/"
          + "--openaiOrganization/--openaiProject do not go with --keysFile: each member names its own key"
          + " source, base URL, organization and project");
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
    return connectionFrom(o, System::getenv);
  }

  /** {@code env}: the launcher's environment (a map in tests). */
  static OpenAiConnection connectionFrom(OpenAiBeamOptions o, Function<String, String> env) {
    Service service = Service.of(o, env);
    OpenAiConnection c =
        OpenAiConnection.to(service.baseUrl().value())
            .withApiKey(keySource(o))
            .withRequestTimeout(Duration.ofSeconds(o.getRequestTimeoutSeconds()))
            .withOrganization(service.organization().value())
            .withProject(service.project().value());
    if (!Strings.isNullOrEmpty(o.getAzureApiVersion())) {
      c = c.withAzure(o.getAzureApiVersion());
    }
    return c;
  }

  /** A setting and where it came from: the option, the SDKs' environment variable, or neither. */
  record Setting(@Nullable String value, String from) {
    static Setting of(@Nullable String option, String optionName, String envName,
        Function<String, String> env, @Nullable String fallback) {
      if (!Strings.isNullOrEmpty(option)) {
        return new Setting(option, "--" + optionName);
      }
      String fromEnv = env.apply(envName);
      if (!Strings.isNullOrEmpty(fromEnv)) {
        return new Setting(fromEnv, envName);
      }
      return new Setting(fallback, fallback == null ? "not set" : "default");
    }

    String describe() {
      return value == null ? "none" : value + " (" + from + ")";
    }
  }

  /**
   * Which service, organization and project the calls go to, honouring the official SDKs'
   * environment ({@code OPENAI_BASE_URL}, {@code OPENAI_ORG_ID}, {@code OPENAI_PROJECT_ID}); an
   * explicit option wins. Read where the job is launched, as the SDKs read them when a client is made.
   */
  record Service(Setting baseUrl, Setting organization, Setting project) {
    static Service of(OpenAiBeamOptions o, Function<String, String> env) {
      return new Service(
          Setting.of(o.getBaseUrl(), "baseUrl", "OPENAI_BASE_URL", env, DEFAULT_BASE_URL),
          Setting.of(o.getOpenaiOrganization(), "openaiOrganization", "OPENAI_ORG_ID", env, null),
          Setting.of(o.getOpenaiProject(), "openaiProject", "OPENAI_PROJECT_ID", env, null));
    }

    /** The summary's line: never the key, which is only named by where it is read from. */
    String describe() {
      return String.format(Locale.ROOT, "service        %s; organization %s; project %s%n",
          baseUrl.describe(), organization.describe(), project.describe());
    }
  }

  /** The summary's service line: the one connection's, or the pool's size. */
  static String describeService(OpenAiBeamOptions o) {
    if (!Strings.isNullOrEmpty(o.getKeysFile())) {
      return String.format(Locale.ROOT, "service        the key pool of %s (each member's own base URL,"
          + " organization and project)%n", o.getKeysFile());
    }
    return Service.of(o, System::getenv).describe();
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
