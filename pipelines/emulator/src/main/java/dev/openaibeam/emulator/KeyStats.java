package dev.openaibeam.emulator;

/**
 * What the emulator answered one API key: calls its buckets accepted (200), calls they turned
 * away (429 {@code rate_limit_exceeded}, requests or tokens), 401s (a key the config does not
 * accept) and 429 {@code insufficient_quota} (a key out of quota, from the start or after {@link
 * EmulatorConfig.Builder#quotaAfterCalls}).
 */
public record KeyStats(long accepted, long rateLimited, long authErrors, long quotaErrors) {
  /** Every call counted here. */
  public long calls() {
    return accepted + rateLimited + authErrors + quotaErrors;
  }

  /**
   * How a key is named in {@link EmulatorStats#toJson()} and in logs: {@code ...} and its last 4
   * characters when it has more than 8 (never half of it or more), else {@code ****}; {@code
   * (none)} for calls without a key. Not reversible, and two keys may share a label.
   */
  public static String label(String key) {
    if (key == null || key.isEmpty()) {
      return "(none)";
    }
    return key.length() > 8 ? "..." + key.substring(key.length() - 4) : "****";
  }

  String toJson(String key) {
    return "{\"key\":" + ErrorBodies.quoted(label(key)) + ",\"accepted\":" + accepted + ",\"rate_limited\":"
        + rateLimited + ",\"auth_errors\":" + authErrors + ",\"quota_errors\":" + quotaErrors + "}";
  }
}
