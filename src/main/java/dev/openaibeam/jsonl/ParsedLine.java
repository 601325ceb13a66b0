package dev.openaibeam.jsonl;

import dev.openaibeam.api.ApiFailure;
import dev.openaibeam.api.ApiRequest;
import org.checkerframework.checker.nullness.qual.Nullable;

/** One input line: a request to send, or the reason it cannot be one. */
public final class ParsedLine {
  private final @Nullable ApiRequest request;
  private final @Nullable ApiFailure failure;

  private ParsedLine(@Nullable ApiRequest request, @Nullable ApiFailure failure) {
    this.request = request;
    this.failure = failure;
  }

  static ParsedLine request(ApiRequest r) {
    return new ParsedLine(r, null);
  }

  static ParsedLine failure(ApiFailure f) {
    return new ParsedLine(null, f);
  }

  public boolean isRequest() {
    return request != null;
  }

  public ApiRequest request() {
    if (request == null) {
      throw new IllegalStateException("not a request: " + failure);
    }
    return request;
  }

  public ApiFailure failure() {
    if (failure == null) {
      throw new IllegalStateException("not a failure");
    }
    return failure;
  }
}
