package dev.openaibeam.api;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The service answered in a way no retry and no other row can fix (invalid key, no quota left):
 * the run stops with this message instead of writing a failure per remaining row. The rows not yet
 * answered stay resumable.
 */
public final class HopelessApiException extends RuntimeException {
  private final ApiError error;

  public HopelessApiException(ApiError error) {
    super(describe(error));
    this.error = error;
  }

  public ApiError getError() {
    return error;
  }

  /**
   * The hopeless error that stopped a run, found in {@code t} or its causes (runners wrap what a
   * step threw), or null when there is none.
   */
  public static @Nullable HopelessApiException findIn(@Nullable Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof HopelessApiException) {
        return (HopelessApiException) c;
      }
    }
    return null;
  }

  private static String describe(ApiError e) {
    String cause;
    if (e.getStatus() != null && e.getStatus() == 401) {
      cause = "the API key was rejected (HTTP 401 " + e.getCode() + ")";
    } else if (e.isQuotaExhausted()) {
      cause = "the account has no quota or credit left (" + e.getCode() + ")";
    } else {
      cause = "HTTP " + e.getStatus() + " " + e.getCode();
    }
    return "Stopping the run: " + cause + ". Service said: " + e.getMessage()
        + " Rows not yet answered can be resumed once this is fixed.";
  }
}
