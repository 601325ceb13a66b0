package dev.openaibeam.transport;

import dev.openaibeam.api.ErrorType;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.async.methods.SimpleRequestProducer;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.config.TlsConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClientBuilder;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http2.HttpVersionPolicy;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.reactor.IOReactorConfig;
import org.apache.hc.core5.util.Timeout;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The project's one HTTP transport, for the API calls, the Batch API's control calls and the
 * Secret Manager reader alike: one non-blocking Apache HttpClient 5 (an I/O reactor thread or two
 * and pooled keep-alive connections), so thousands of calls can be in flight without a thread
 * each. It never retries and never follows redirects (the caller is the one retry layer), and
 * never fails a future: every answer, transport errors included, comes back as a classified
 * {@link CallOutcome}.
 *
 * <p>Why not {@code java.net.http}: on this project's 2-core benchmark machine the JDK client spent
 * about three times the CPU per call of this one (measured with the same load loop against the
 * emulator), which capped a worker near 2,000 calls per second.
 */
public final class HttpTransport implements AutoCloseable {
  /** What a 2xx body must be for the call to count as answered. */
  public enum Expect {
    /** One JSON object (the API's answers; a server-sent event stream too, when one comes). */
    JSON_OBJECT,
    /** Any text (a JSONL file's content). */
    TEXT
  }

  private final CloseableHttpAsyncClient client;
  private final long timeoutMs;
  private final @Nullable String secret;

  private HttpTransport(
      Duration connectTimeout, Duration requestTimeout, int maxConnections, @Nullable String secret) {
    this.secret = secret == null || secret.isEmpty() ? null : secret;
    this.timeoutMs = requestTimeout.toMillis();
    HttpAsyncClientBuilder builder =
        HttpAsyncClients.custom()
            .setConnectionManager(
                PoolingAsyncClientConnectionManagerBuilder.create()
                    .setMaxConnTotal(maxConnections)
                    .setMaxConnPerRoute(maxConnections)
                    .setDefaultConnectionConfig(
                        ConnectionConfig.custom()
                            .setConnectTimeout(Timeout.of(connectTimeout))
                            .setSocketTimeout(Timeout.of(requestTimeout))
                            .build())
                    // HTTP/1.1 keep-alive everywhere (no HTTP/2 by ALPN), as the official SDKs and
                    // the cookbook do: predictable with any OpenAI-compatible server and proxy.
                    // Plain http:// is HTTP/1.1 already.
                    .setDefaultTlsConfig(
                        TlsConfig.custom().setVersionPolicy(HttpVersionPolicy.FORCE_HTTP_1).build())
                    .build())
            .setIOReactorConfig(
                IOReactorConfig.custom().setIoThreadCount(ioThreads()).setTcpNoDelay(true).build())
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
                });
    if (proxyConfigured()) {
      builder.useSystemProperties(); // consults the ProxySelector on every call: only when needed
    }
    this.client = builder.build();
    client.start();
  }

  /**
   * A transport holding at most {@code maxConnections} connections (one per call in flight).
   *
   * @param secret the key its calls carry, scrubbed from every message it keeps (null for none)
   */
  public static HttpTransport create(
      Duration connectTimeout, Duration requestTimeout, int maxConnections, @Nullable String secret) {
    return new HttpTransport(connectTimeout, requestTimeout, Math.max(1, maxConnections), secret);
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

  /** Sends {@code request}; the future always completes with the classified answer. */
  public CompletableFuture<CallOutcome> send(SimpleHttpRequest request, Expect expect) {
    long start = System.nanoTime();
    CompletableFuture<CallOutcome> outcome = new CompletableFuture<>();
    Future<?> call;
    try {
      AnswerConsumer consumer = new AnswerConsumer(expect != Expect.TEXT);
      call = client.execute(SimpleRequestProducer.create(request), consumer,
          new AnswerCallback(outcome, consumer, expect, start));
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(transportFailure(e, start));
    }
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
              return transportFailure(e, start);
            });
  }

  /** No answer came back (or it could not be made into one). */
  public CallOutcome transportFailure(Throwable t, long startNanos) {
    return ResponseClassifier.transport(t, System.nanoTime() - startNanos, secret);
  }

  /** An API answer, streamed or not, read as it came. */
  private final class AnswerCallback implements FutureCallback<AnswerConsumer.Answer> {
    private final CompletableFuture<CallOutcome> outcome;
    private final AnswerConsumer consumer;
    private final Expect expect;
    private final long start;

    AnswerCallback(
        CompletableFuture<CallOutcome> outcome, AnswerConsumer consumer, Expect expect, long start) {
      this.outcome = outcome;
      this.consumer = consumer;
      this.expect = expect;
      this.start = start;
    }

    @Override
    public void completed(AnswerConsumer.Answer answer) {
      long latency = System.nanoTime() - start;
      try {
        CallOutcome o = ResponseClassifier.answered(answer, latency, expect, secret);
        outcome.complete(answer.firstTokenNanos() < 0 ? o : o.withFirstToken(answer.firstTokenNanos() - start));
      } catch (RuntimeException e) {
        outcome.complete(transportFailure(e, start));
      }
    }

    @Override
    public void failed(Exception e) {
      int status = consumer.statusSeen();
      if (status >= 200 && status < 300 && expect != Expect.TEXT) {
        // The answer began (and may be billed), then the connection broke: an unreadable answer.
        outcome.complete(ResponseClassifier.unreadable(status, RateLimitHeaders.none(), null,
            System.nanoTime() - start, ErrorType.UNPARSABLE_RESPONSE.wireName(),
            "the answer was cut off after its " + status + " status: "
                + ResponseClassifier.scrub(String.valueOf(e), secret)));
      } else {
        outcome.complete(transportFailure(e, start));
      }
    }

    @Override
    public void cancelled() {
      outcome.complete(transportFailure(new CancellationException("call cancelled"), start));
    }
  }

  /** Closes every connection; calls still in flight complete as transport failures. */
  @Override
  public void close() {
    // Graceful: an immediate close races the I/O reactor's own loop (it logs a spurious error).
    client.close(CloseMode.GRACEFUL);
  }
}
