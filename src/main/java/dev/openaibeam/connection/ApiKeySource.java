package dev.openaibeam.connection;

import java.io.Serializable;

/**
 * Where the API key comes from. It holds only where to look (a variable's name, a file's path, a
 * secret's name), so it can be serialized with the pipeline and shown in display data; the key
 * itself is read on the worker by {@link #resolve()}, and lives only in that worker's HTTP client.
 *
 * <p>Implement it for a secret store of your own:
 *
 * <pre>{@code
 * record VaultKey(String path) implements ApiKeySource {
 *   public String resolve() { return MyVault.read(path); }    // on the worker
 *   public String describe() { return "vault:" + path; }       // never the key
 * }
 * OpenAiConnection.openAi().withApiKey(new VaultKey("kv/openai"));
 * }</pre>
 *
 * <p>Two sources that {@link #describe()} the same are taken for the same key: budgets are
 * shared by what this returns.
 */
public interface ApiKeySource extends Serializable {
  /**
   * Reads the key now, on the worker; empty for a server that takes none. A failure's message names
   * the source, never a value.
   */
  String resolve();

  /** Safe to show and to log: where the key comes from, never the key. */
  String describe();

  /** The key in an environment variable of the worker. */
  static ApiKeySource fromEnv(String variable) {
    return new EnvKeySource(variable);
  }

  /** The key in a file the worker can read (its whole content, trimmed). */
  static ApiKeySource fromFile(String path) {
    return new FileKeySource(path);
  }

  /**
   * A Google Secret Manager secret version, {@code projects/P/secrets/S/versions/latest}, read on
   * each worker with its application-default credentials (on Dataflow: the worker service account,
   * which needs {@code roles/secretmanager.secretAccessor}). Needs {@code
   * com.google.auth:google-auth-library-oauth2-http} on the class path, which Beam's GCP extension
   * brings.
   */
  static GcpSecretKeySource fromGcpSecret(String versionName) {
    return GcpSecretKeySource.of(versionName);
  }

  /** Sends no key (local servers that want none). */
  static ApiKeySource none() {
    return NoKeySource.INSTANCE;
  }
}
