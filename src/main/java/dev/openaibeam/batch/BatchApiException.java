package dev.openaibeam.batch;

import dev.openaibeam.call.ApiError;

/** A Files or Batches call that the service refused (after the retries, for transient errors). */
public final class BatchApiException extends RuntimeException {
  private final ApiError error;

  BatchApiException(String what, ApiError error) {
    super(what + ": " + error);
    this.error = error;
  }

  public ApiError getError() {
    return error;
  }
}
