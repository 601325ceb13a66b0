package dev.openaibeam.call;

import dev.openaibeam.api.ApiFailure;
import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.api.ApiResponse;

/**
 * Where the scheduler hands each request's final outcome, the moment it is known, on the thread
 * that submitted it. {@code origin} is what the caller gave with the request.
 */
interface CallSink<O> {
  void answered(O origin, ApiResponse response);

  void failed(O origin, ApiFailure failure);

  /** Not sent, not failed: the cost cap was reached before its turn. */
  void heldBack(O origin, ApiRequest request);
}
