package dev.openaibeam.transport;

import dev.openaibeam.api.ApiError;

/** A control call (Files, Batches, Secret Manager) the service refused, after the retries. */
public final class CallFailedException extends RuntimeException {
  private final ApiError error;

  public CallFailedException(String what, ApiError error) {
    super(what + ": " + error);
    this.error = error;
  }

  public ApiError getError() {
    return error;
  }
}
