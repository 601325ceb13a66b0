package dev.openaibeam.emulator;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * What to send back for one request and how: a status, a JSON (or JSONL) body and headers, sent
 * {@link #delayMillis} after the request, or one of the faults the connection suffers instead.
 * The routes decide it; {@link ConnectionHandler} carries it out on the channel's event loop.
 */
final class Reply {
  /** How the answer reaches the client. */
  enum Delivery {
    /** The whole response, and the connection stays open (unless the client asked otherwise). */
    NORMAL,
    /** A TCP reset (close with SO_LINGER 0), at once. */
    RESET,
    /** Nothing for {@link #delayMillis}, then a plain close. */
    HANG,
    /** The head with the whole body's content-length, half the body, then a close. */
    TRUNCATED
  }

  private static final DefaultHttpHeadersFactory HEADERS =
      DefaultHttpHeadersFactory.headersFactory().withValidation(false);

  final int status;
  final String body;
  final HttpHeaders headers;
  Delivery delivery = Delivery.NORMAL;
  long delayMillis;
  /** Run just before the answer is written, after the delay: what is counted only once sent. */
  Runnable beforeWrite;

  Reply(int status, String body, HttpHeaders headers) {
    this.status = status;
    this.body = body;
    this.headers = headers;
  }

  static Reply json(int status, String body) {
    return new Reply(status, body, newHeaders());
  }

  /**
   * Headers that start with {@code content-type: application/json} (every answer is JSON, or JSONL
   * sent as such); {@code content-length} is added last when written. They keep insertion order
   * and skip validation (the emulator writes only its own).
   */
  static HttpHeaders newHeaders() {
    return HEADERS.newHeaders()
        .add(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
  }

  static Reply fault(Delivery delivery, long delayMillis) {
    Reply r = new Reply(0, "", newHeaders());
    r.delivery = delivery;
    r.delayMillis = delayMillis;
    return r;
  }

  Reply after(long millis) {
    delayMillis = Math.max(0, millis);
    return this;
  }
}
