package dev.openaibeam.emulator;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.List;

/**
 * What to send back for one request and how: a status, a JSON (or JSONL) body and headers, or a
 * stream of server-sent events ({@link #events}), sent {@link #delayMillis} after the request, or
 * one of the faults the connection suffers instead.
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
    /**
     * The head with the whole body's content-length, half the body, then a close; for a stream,
     * half its events and a close without the last chunk.
     */
    TRUNCATED
  }

  private static final DefaultHttpHeadersFactory HEADERS =
      DefaultHttpHeadersFactory.headersFactory().withValidation(false);
  // As AsciiStrings, which Netty copies as bytes: these go out with every answer.
  private static final AsciiString REQUEST_ID = AsciiString.cached("x-request-id");
  private static final AsciiString ORGANIZATION = AsciiString.cached("openai-organization");
  private static final AsciiString ORG_EMULATOR = AsciiString.cached("org-emulator");
  private static final AsciiString VERSION = AsciiString.cached("openai-version");
  private static final AsciiString VERSION_DATE = AsciiString.cached("2020-10-01");
  static final AsciiString PROCESSING_MS = AsciiString.cached("openai-processing-ms");
  private static final AsciiString ZERO = AsciiString.cached("0");

  final int status;
  final String body;
  final HttpHeaders headers;
  /** A streamed answer's events (whole SSE frames), sent chunked instead of the body; or null. */
  List<String> events;
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

  /**
   * The headers of every {@code /v1} answer, as the service sends them: the request id, the
   * organization, the API version, and the processing time (0 until an answer sets its delay).
   */
  static HttpHeaders apiHeaders(String requestId) {
    HttpHeaders h = newHeaders();
    h.add(REQUEST_ID, requestId);
    return serviceHeaders(h, ZERO);
  }

  /** Adds the organization, version and processing-time headers. */
  static HttpHeaders serviceHeaders(HttpHeaders h, CharSequence processingMillis) {
    h.add(ORGANIZATION, ORG_EMULATOR);
    h.add(VERSION, VERSION_DATE);
    h.add(PROCESSING_MS, processingMillis);
    return h;
  }

  /** A streamed answer: {@code events} instead of a body. */
  static Reply stream(List<String> events, HttpHeaders headers) {
    Reply r = new Reply(200, "", headers);
    r.events = events;
    return r;
  }

  static Reply fault(Delivery delivery, long delayMillis) {
    Reply r = new Reply(0, "", newHeaders());
    r.delivery = delivery;
    r.delayMillis = delayMillis;
    return r;
  }

  /** Sent after {@code millis}, which {@code openai-processing-ms} reports. */
  Reply after(long millis) {
    delayMillis = Math.max(0, millis);
    if (delayMillis > 0) {
      headers.set(PROCESSING_MS, Long.toString(delayMillis));
    }
    return this;
  }
}
