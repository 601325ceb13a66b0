package dev.openaibeam.http;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Sends API calls with one {@link HttpClient}: asynchronous, so thousands can be in flight without
 * a thread each. It never retries (the caller is the one retry layer) and never fails a future:
 * every answer, transport errors included, comes back as a classified {@link CallOutcome}.
 */
public final class OpenAiHttpClient implements AutoCloseable {
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final HttpSettings settings;
  private final @Nullable String apiKey;
  private final ExecutorService executor;
  private HttpClient client;

  private OpenAiHttpClient(HttpSettings settings, @Nullable String apiKey) {
    this.settings = settings;
    this.apiKey = apiKey == null || apiKey.isEmpty() ? null : apiKey;
    ThreadFactory threads =
        r -> {
          Thread t = new Thread(r, "openai-http-" + THREADS.incrementAndGet());
          t.setDaemon(true);
          return t;
        };
    // A small fixed pool: the client only runs completions on it, and a cached pool under
    // thousands of calls per second creates and kills threads all the time.
    this.executor = Executors.newFixedThreadPool(
        Math.max(2, Runtime.getRuntime().availableProcessors()), threads);
    boolean tls = settings.getBaseUrl().startsWith("https://");
    this.client =
        HttpClient.newBuilder()
            // No h2c upgrade on plain http (local servers); HTTP/2 multiplexing over TLS.
            .version(tls ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1)
            .connectTimeout(settings.getConnectTimeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .executor(executor)
            .build();
  }

  public static OpenAiHttpClient create(HttpSettings settings, @Nullable String apiKey) {
    return new OpenAiHttpClient(settings, apiKey);
  }

  public CompletableFuture<CallOutcome> send(String endpoint, String model, String body) {
    long start = System.nanoTime();
    HttpRequest request;
    try {
      request = request(settings.uriFor(endpoint, model), body);
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(
          ResponseClassifier.transport(e, System.nanoTime() - start, apiKey));
    }
    return client
        .sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
        .handle(
            (response, error) -> {
              long latency = System.nanoTime() - start;
              if (error != null) {
                return ResponseClassifier.transport(error, latency, apiKey);
              }
              return ResponseClassifier.classify(
                  response.statusCode(),
                  name -> response.headers().firstValue(name).orElse(null),
                  response.body(),
                  latency,
                  RateLimitHeaders.parse(response.headers()),
                  apiKey);
            });
  }

  private HttpRequest request(URI uri, String body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri)
            .timeout(settings.getRequestTimeout())
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (apiKey != null) {
      if (settings.getApiStyle() == ApiStyle.AZURE) {
        b.header("api-key", apiKey);
      } else {
        b.header("Authorization", "Bearer " + apiKey);
      }
    }
    for (Map.Entry<String, String> h : settings.getHeaders().entrySet()) {
      b.header(h.getKey(), h.getValue());
    }
    return b.build();
  }

  /** Java 17's HttpClient has no close(): drop it and stop our executor. */
  @Override
  public void close() {
    client = null;
    executor.shutdownNow();
  }

  @Override
  public String toString() {
    return "OpenAiHttpClient{" + settings + "}";
  }
}
