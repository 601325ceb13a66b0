package dev.openaibeam.http;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.config.TlsConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClientBuilder;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.message.BasicHeader;
import org.apache.hc.core5.http2.HttpVersionPolicy;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.reactor.IOReactorConfig;
import org.apache.hc.core5.util.Timeout;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Sends API calls over one non-blocking HTTP client (Apache HttpClient 5 async: an I/O reactor
 * thread or two and pooled keep-alive connections), so thousands of calls can be in flight without
 * a thread each. It never retries and never follows redirects (the caller is the one retry layer),
 * and never fails a future: every answer, transport errors included, comes back as a classified
 * {@link CallOutcome}.
 *
 * <p>Why not {@code java.net.http}: on this project's 2-core benchmark machine the JDK client spent
 * about three times the CPU per call of this one (measured with the same load loop against the
 * emulator), which capped a worker near 2,000 calls per second.
 */
public final class OpenAiHttpClient implements AutoCloseable {
  private static final ContentType JSON = ContentType.APPLICATION_JSON;

  private final HttpSettings settings;
  private final @Nullable String apiKey;
  private final CloseableHttpAsyncClient client;
  private final Header[] fixedHeaders;
  private final long timeoutMs;

  private OpenAiHttpClient(HttpSettings settings, @Nullable String apiKey, int maxConnections) {
    this.settings = settings;
    this.apiKey = apiKey == null || apiKey.isEmpty() ? null : apiKey;
    Timeout requestTimeout = Timeout.of(settings.getRequestTimeout());
    HttpAsyncClientBuilder builder =
        HttpAsyncClients.custom()
            .setConnectionManager(
                PoolingAsyncClientConnectionManagerBuilder.create()
                    .setMaxConnTotal(maxConnections)
                    .setMaxConnPerRoute(maxConnections)
                    .setDefaultConnectionConfig(
                        ConnectionConfig.custom()
                            .setConnectTimeout(Timeout.of(settings.getConnectTimeout()))
                            .setSocketTimeout(requestTimeout)
                            .build())
                    // HTTP/1.1 keep-alive everywhere (no HTTP/2 by ALPN), as the official SDKs and
                    // the cookbook do: predictable with any OpenAI-compatible server and proxy.
                    // Plain http:// is HTTP/1.1 already.
                    .setDefaultTlsConfig(
                        TlsConfig.custom().setVersionPolicy(HttpVersionPolicy.FORCE_HTTP_1).build())
                    .build())
            .setIOReactorConfig(
                IOReactorConfig.custom()
                    .setIoThreadCount(ioThreads())
                    .setTcpNoDelay(true)
                    .build())
            .setDefaultRequestConfig(
                RequestConfig.custom()
                    .setConnectionRequestTimeout(Timeout.DISABLED) // waits for a slot are ours
                    .build())
            .disableAutomaticRetries()
            .disableRedirectHandling()
            .disableCookieManagement()
            .disableAuthCaching()
            .setThreadFactory(
                r -> {
                  Thread t = new Thread(r, "openai-http-io");
                  t.setDaemon(true);
                  return t;
                })
            ;
    if (proxyConfigured()) {
      builder.useSystemProperties(); // consults the ProxySelector on every call: only when needed
    }
    this.client = builder.build();
    client.start();
    this.fixedHeaders = fixedHeaders(settings, this.apiKey);
    this.timeoutMs = settings.getRequestTimeout().toMillis();
  }

  /** The key and the configured headers, the same on every call. */
  private static Header[] fixedHeaders(HttpSettings settings, @Nullable String apiKey) {
    List<Header> h = new ArrayList<>();
    if (apiKey != null) {
      h.add(settings.getApiStyle() == ApiStyle.AZURE
          ? new BasicHeader("api-key", apiKey)
          : new BasicHeader(HttpHeaders.AUTHORIZATION, "Bearer " + apiKey));
    }
    for (Map.Entry<String, String> e : settings.getHeaders().entrySet()) {
      h.add(new BasicHeader(e.getKey(), e.getValue()));
    }
    return h.toArray(new Header[0]);
  }

  /**
   * One I/O thread per two cores, up to 4: the DoFn thread and the runner need the rest. On the
   * 2-core benchmark machine one thread gave about 12% more calls per second than two.
   */
  private static int ioThreads() {
    return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() / 2));
  }

  private static boolean proxyConfigured() {
    for (String p : new String[] {"https.proxyHost", "http.proxyHost", "socksProxyHost"}) {
      if (System.getProperty(p) != null) {
        return true;
      }
    }
    return Boolean.getBoolean("java.net.useSystemProxies");
  }

  /**
   * A client for {@code settings} holding at most {@code maxConnections} connections (one per call
   * in flight).
   */
  public static OpenAiHttpClient create(
      HttpSettings settings, @Nullable String apiKey, int maxConnections) {
    return new OpenAiHttpClient(settings, apiKey, Math.max(1, maxConnections));
  }

  public CompletableFuture<CallOutcome> send(String endpoint, String model, String body) {
    long start = System.nanoTime();
    SimpleHttpRequest request;
    try {
      request = request(settings.uriFor(endpoint, model), body);
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(
          ResponseClassifier.transport(e, System.nanoTime() - start, apiKey));
    }
    CompletableFuture<CallOutcome> outcome = new CompletableFuture<>();
    Future<SimpleHttpResponse> call =
        client.execute(
            request,
            new FutureCallback<SimpleHttpResponse>() {
              @Override
              public void completed(SimpleHttpResponse response) {
                long latency = System.nanoTime() - start;
                try {
                  outcome.complete(classify(response, latency));
                } catch (RuntimeException e) {
                  // Never leave the call to the deadline (it would be retried, though answered).
                  outcome.complete(ResponseClassifier.transport(e, latency, apiKey));
                }
              }

              @Override
              public void failed(Exception e) {
                outcome.complete(ResponseClassifier.transport(e, System.nanoTime() - start, apiKey));
              }

              @Override
              public void cancelled() {
                outcome.complete(
                    ResponseClassifier.transport(
                        new CancellationException("call cancelled"), System.nanoTime() - start, apiKey));
              }
            });
    // The whole call's deadline (connect, send, wait, read): Apache's timeouts only measure silence;
    // the socket timeout stays as the backstop that closes a silent connection.
    return outcome
        .orTimeout(timeoutMs, TimeUnit.MILLISECONDS)
        .handle(
            (o, e) -> {
              if (o != null) {
                return o;
              }
              call.cancel(true);
              return ResponseClassifier.transport(e, System.nanoTime() - start, apiKey);
            });
  }

  private CallOutcome classify(SimpleHttpResponse response, long latencyNanos) {
    byte[] bytes = response.getBodyBytes();
    String body = bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    java.util.function.Function<String, String> header =
        name -> {
          Header h = response.getFirstHeader(name);
          return h == null ? null : h.getValue();
        };
    return ResponseClassifier.classify(
        response.getCode(), header, body, latencyNanos, RateLimitHeaders.parse(header), apiKey);
  }

  private SimpleHttpRequest request(URI uri, String body) {
    // Bytes, not a String: a byte body goes out with a Content-Length; a String one is chunked,
    // which some OpenAI-compatible servers and proxies do not take.
    SimpleHttpRequest r =
        SimpleRequestBuilder.post(uri).setBody(body.getBytes(StandardCharsets.UTF_8), JSON).build();
    r.setHeaders(fixedHeaders);
    return r;
  }

  /** Closes every connection; calls still in flight complete as transport failures. */
  @Override
  public void close() {
    // Graceful: an immediate close races the I/O reactor's own loop (it logs a spurious error).
    client.close(CloseMode.GRACEFUL);
  }

  @Override
  public String toString() {
    return "OpenAiHttpClient{" + settings + "}";
  }
}
