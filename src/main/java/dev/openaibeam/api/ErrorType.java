package dev.openaibeam.api;

/**
 * The {@code type} of an error this project reports itself (the service's own errors keep the type
 * the service sent). Failure records show {@link #wireName()}.
 */
public enum ErrorType {
  /** The row can never be sent as it is: bad line, no model, over the whole budget or cost cap. */
  INVALID_INPUT("invalid_input"),
  /** Not sent because the run's cost cap was reached. */
  COST_CAP("cost_cap"),
  /** An enrichment's request or join function failed. */
  ENRICHMENT_ERROR("enrichment_error"),
  /** No HTTP answer within the request timeout. */
  TIMEOUT("timeout"),
  /** The connection failed, was reset or ended inside the body. */
  CONNECTION_ERROR("connection_error"),
  /** The HTTP client itself failed before anything was sent. */
  CLIENT_ERROR("client_error"),
  /** A 2xx whose body could not be read as an answer. */
  UNPARSABLE_RESPONSE("unparsable_response"),
  /** A Batch API line the batch expired before running. */
  BATCH_EXPIRED("batch_expired"),
  /** A Batch API line whose batch was cancelled. */
  BATCH_CANCELLED("batch_cancelled"),
  /** A Batch API line the service answered with an error of its own. */
  BATCH_ERROR("batch_error"),
  /** The whole batch failed (validation, the service refused it). */
  BATCH_FAILED("batch_failed"),
  /** The batch ended without a line for this row in either file. */
  BATCH_INCOMPLETE("batch_incomplete");

  private final String wireName;

  ErrorType(String wireName) {
    this.wireName = wireName;
  }

  /** As written in failure records. */
  public String wireName() {
    return wireName;
  }
}
