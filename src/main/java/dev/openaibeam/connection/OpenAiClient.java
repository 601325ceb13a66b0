package dev.openaibeam.connection;

import dev.openaibeam.transport.Backoff;
import dev.openaibeam.transport.BlockingCaller;
import dev.openaibeam.transport.CallOutcome;
import dev.openaibeam.transport.HttpTransport;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.message.BasicHeader;

/**
 * One {@link OpenAiConnection} opened on a worker: its key read from the key source, and requests
 * built with the connection's URLs and headers and sent through one {@link HttpTransport}. The key
 * lives only here and in the transport (which scrubs it from every message it keeps).
 */
public final class OpenAiClient implements AutoCloseable {
  private final OpenAiConnection connection;
  private final HttpTransport transport;
  private final Header[] headers;

  private OpenAiClient(OpenAiConnection connection, String apiKey, int maxConnections) {
    this.connection = connection;
    this.transport =
        HttpTransport.create(
            connection.getConnectTimeout(), connection.getRequestTimeout(), maxConnections, apiKey);
    Map<String, String> h = connection.headersWith(apiKey);
    this.headers =
        h.entrySet().stream().map(e -> new BasicHeader(e.getKey(), e.getValue())).toArray(Header[]::new);
  }

  /**
   * Reads the connection's key (here, on the worker) and opens a client holding at most {@code
   * maxConnections} connections.
   */
  public static OpenAiClient open(OpenAiConnection connection, int maxConnections) {
    return new OpenAiClient(connection, connection.getKeySource().resolve(), maxConnections);
  }

  public OpenAiConnection connection() {
    return connection;
  }

  /** Sends one API call: {@code body} to {@code endpoint} for {@code model}. */
  public CompletableFuture<CallOutcome> call(String endpoint, String model, String body) {
    long start = System.nanoTime();
    SimpleHttpRequest request;
    try {
      request = post(connection.uriFor(endpoint, model), body.getBytes(StandardCharsets.UTF_8),
          ContentType.APPLICATION_JSON);
    } catch (RuntimeException e) { // a model name that makes no URL, say
      return CompletableFuture.completedFuture(transport.transportFailure(e, start));
    }
    return transport.send(request, HttpTransport.Expect.JSON_OBJECT);
  }

  /** A GET of an OpenAI-style path ({@code /v1/batches/ID}) with this connection's headers. */
  public SimpleHttpRequest get(String path) {
    SimpleHttpRequest r = SimpleRequestBuilder.get(connection.uriForPath(path)).build();
    r.setHeaders(headers);
    return r;
  }

  /** A POST of {@code body} to an OpenAI-style path, with this connection's headers. */
  public SimpleHttpRequest post(String path, byte[] body, ContentType type) {
    return post(connection.uriForPath(path), body, type);
  }

  private SimpleHttpRequest post(URI uri, byte[] body, ContentType type) {
    // Bytes, not a String: a byte body goes out with a Content-Length; a String one is chunked,
    // which some OpenAI-compatible servers and proxies do not take.
    SimpleHttpRequest r = SimpleRequestBuilder.post(uri).setBody(body, type).build();
    r.setHeaders(headers);
    return r;
  }

  /** One-at-a-time calls with retries, for the control endpoints. */
  public BlockingCaller blocking(Backoff backoff, int maxAttempts) {
    return new BlockingCaller(transport, backoff, maxAttempts);
  }

  /** Closes every connection; calls still in flight complete as transport failures. */
  @Override
  public void close() {
    transport.close();
  }

  @Override
  public String toString() {
    return "OpenAiClient{" + connection + "}";
  }
}
