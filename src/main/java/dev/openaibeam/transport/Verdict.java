package dev.openaibeam.transport;

/** What the single retry layer does with an answer. */
public enum Verdict {
  SUCCESS,
  /** Transient: rate limit, 5xx, timeout, reset, 408/409, unparsable 200. */
  RETRY,
  /** This row can never succeed as it is (400, 403, 404, request too large). */
  FAIL_ROW,
  /** No row can succeed (invalid key, no quota): stop instead of failing every row. */
  FAIL_RUN
}
