package dev.openaibeam.api;

/** The {@code code}s this project gives the errors it reports itself, each with its type. */
public enum ErrorCode {
  EMPTY_LINE(ErrorType.INVALID_INPUT, "empty_line"),
  INVALID_UTF8(ErrorType.INVALID_INPUT, "invalid_utf8"),
  INVALID_JSON(ErrorType.INVALID_INPUT, "invalid_json"),
  NOT_AN_OBJECT(ErrorType.INVALID_INPUT, "not_an_object"),
  NOT_REPLAYABLE(ErrorType.INVALID_INPUT, "not_replayable"),
  WRONG_TYPE(ErrorType.INVALID_INPUT, "wrong_type"),
  UNKNOWN_ENDPOINT(ErrorType.INVALID_INPUT, "unknown_endpoint"),
  MISSING_MODEL(ErrorType.INVALID_INPUT, "missing_model"),
  /** Needs more tokens than the whole TPM budget: could never be sent. */
  REQUEST_TOO_LARGE(ErrorType.INVALID_INPUT, "request_too_large"),
  /** Its model has no price, so under a cost cap it could break the cap. */
  UNPRICED_MODEL(ErrorType.INVALID_INPUT, "unpriced_model"),
  /** Its worst case alone is more than a budget shard's share of the cost cap. */
  COST_TOO_LARGE(ErrorType.INVALID_INPUT, "cost_too_large"),
  COST_CAP_REACHED(ErrorType.COST_CAP, "cost_cap_reached"),
  /** No member of the key pool serves the row's model (or those that did were retired). */
  NO_POOL_MEMBER(ErrorType.INVALID_INPUT, "no_pool_member"),
  REQUEST_BUILD_FAILED(ErrorType.ENRICHMENT_ERROR, "request_build_failed"),
  JOIN_FAILED(ErrorType.ENRICHMENT_ERROR, "join_failed"),
  NO_ANSWER(ErrorType.BATCH_INCOMPLETE, "no_answer");

  private final ErrorType type;
  private final String wireName;

  ErrorCode(ErrorType type, String wireName) {
    this.type = type;
    this.wireName = wireName;
  }

  public ErrorType type() {
    return type;
  }

  /** As written in failure records. */
  public String wireName() {
    return wireName;
  }
}
