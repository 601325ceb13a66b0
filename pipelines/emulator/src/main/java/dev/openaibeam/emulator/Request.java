package dev.openaibeam.emulator;

import io.netty.handler.codec.http.FullHttpRequest;
import java.nio.charset.StandardCharsets;

/**
 * One request as the routes see it: method, path and query as sent (not decoded), headers and
 * body. It holds the aggregated Netty request (the multipart decoder reads it) until released.
 */
final class Request {
  final FullHttpRequest http;
  final String method;
  final String path;
  /** The text after {@code ?}, or null when the target has none. */
  final String query;
  private String body;

  Request(FullHttpRequest http) {
    this.http = http;
    this.method = http.method().name();
    String target = http.uri();
    int q = target.indexOf('?');
    this.path = q >= 0 ? target.substring(0, q) : target;
    this.query = q >= 0 ? target.substring(q + 1) : null;
  }

  /** A header's (first) value, by case-insensitive name; null when absent. */
  String header(String name) {
    return http.headers().get(name);
  }

  /** The body as UTF-8 text (malformed bytes become U+FFFD, as the digest has always seen them). */
  String body() {
    if (body == null) {
      body = http.content().toString(StandardCharsets.UTF_8);
    }
    return body;
  }
}
