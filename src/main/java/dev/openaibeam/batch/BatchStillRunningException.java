package dev.openaibeam.batch;

/**
 * A batch did not reach an end state within the transform's maximum wait. The run stops; the
 * batch keeps running at the service, and the same run started again re-attaches to it from the
 * state directory instead of submitting again.
 */
public final class BatchStillRunningException extends RuntimeException {
  BatchStillRunningException(String message) {
    super(message);
  }
}
