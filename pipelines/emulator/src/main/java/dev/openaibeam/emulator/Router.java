package dev.openaibeam.emulator;

import io.netty.handler.codec.http.HttpHeaders;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Routing and auth. {@code /emulator/...} is the control surface (stats, reset, batch behaviour;
 * no key, not counted). Everything else is counted as received, given the service's headers
 * ({@link Reply#apiHeaders}: {@code x-request-id}, {@code openai-organization}, {@code
 * openai-version}, {@code openai-processing-ms}), and must carry a valid key: {@code
 * Authorization: Bearer} on OpenAI paths, {@code api-key} on Azure deployment paths ({@code
 * /openai/deployments/NAME/...?api-version=...}). Then the Files and Batches endpoints, the models
 * ({@code GET /v1/models}, {@code GET /v1/models/ID}), one of the four API endpoints, or a 404.
 */
final class Router {
  static final Set<String> ENDPOINTS =
      Set.of("/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/responses");
  private static final String AZURE = "/openai/deployments/";

  private final OpenAiEmulator emulator;
  private final EmulatorConfig config;
  private final StatsRecorder stats;
  private final BatchService batches;
  private final ApiCalls api;
  private final ModelCatalogue models;
  private final AtomicLong requestIds = new AtomicLong();

  Router(OpenAiEmulator emulator, EmulatorConfig config, StatsRecorder stats, BatchService batches,
      ApiCalls api, ModelCatalogue models) {
    this.emulator = emulator;
    this.config = config;
    this.stats = stats;
    this.batches = batches;
    this.api = api;
    this.models = models;
  }

  /**
   * The reply, done at once, or later for the Files and Batches calls (they run off the event
   * loop). The caller releases the request once the future is done.
   */
  CompletableFuture<Reply> route(Request req) {
    if (req.path.startsWith("/emulator/")) {
      return CompletableFuture.completedFuture(Reply.json(200, control(req)));
    }
    stats.received.incrementAndGet();
    String requestId = "req_" + Long.toHexString(requestIds.incrementAndGet());
    HttpHeaders headers = Reply.apiHeaders(requestId);

    String endpoint = req.path;
    String deployment = null;
    boolean azure = req.path.startsWith(AZURE);
    if (azure) {
      endpoint = null;
      String rest = req.path.substring(AZURE.length());
      int slash = rest.indexOf('/');
      if (slash > 0 && req.query != null && req.query.contains("api-version=")) {
        deployment = rest.substring(0, slash);
        endpoint = "/v1/" + rest.substring(slash + 1);
      }
    }
    String key = azure ? req.header("api-key") : bearer(req.header("authorization"));
    if (!accepted(key)) {
      stats.authErrors.incrementAndGet();
      stats.key(key).authErrors.increment();
      return done(new Reply(401, ErrorBodies.error("Incorrect API key provided: "
          + ErrorBodies.mask(key) + ". You can find your API key at "
          + "https://platform.openai.com/account/api-keys.", "invalid_request_error",
          "invalid_api_key"), headers));
    }
    if (!azure && BatchService.handles(req.path)) {
      long start = System.nanoTime();
      return CompletableFuture.supplyAsync(() -> {
        Reply r = batches.handle(req);
        r.headers.add("x-request-id", requestId);
        Reply.serviceHeaders(r.headers, Long.toString((System.nanoTime() - start) / 1_000_000));
        return r;
      }, batches.executor());
    }
    if (!azure && (req.path.equals("/v1/models") || req.path.startsWith("/v1/models/"))
        && req.method.equals("GET")) {
      return done(models(req.path.substring("/v1/models".length()), headers));
    }
    if (endpoint == null || !ENDPOINTS.contains(endpoint)) {
      stats.badRequests.incrementAndGet();
      return done(new Reply(404, ErrorBodies.error("Invalid URL (" + req.method + " " + req.path + ")",
          "invalid_request_error", null), headers));
    }
    return done(api.call(req, endpoint, deployment, key, requestId, headers));
  }

  /** {@code GET /v1/models} (rest empty) or {@code GET /v1/models/ID} (rest {@code /ID}). */
  private Reply models(String rest, HttpHeaders headers) {
    if (rest.isEmpty() || rest.equals("/")) {
      return new Reply(200, models.list(), headers);
    }
    String id = URLDecoder.decode(rest.substring(1), StandardCharsets.UTF_8);
    String model = models.retrieve(id);
    if (model == null) {
      stats.badRequests.incrementAndGet();
      return new Reply(404, ModelCatalogue.notFound(id), headers);
    }
    return new Reply(200, model, headers);
  }

  /**
   * A key the config accepts; an out-of-quota key (from the start or after its quota of calls)
   * passes here and gets its 429 later.
   */
  private boolean accepted(String key) {
    if (key == null || key.isEmpty()) {
      return false;
    }
    return config.acceptedKeys.isEmpty() || config.acceptedKeys.contains(key)
        || config.quotaExhaustedKeys.contains(key) || config.quotaAfterCalls.containsKey(key);
  }

  private String control(Request req) {
    if (req.path.equals("/emulator/reset")) {
      emulator.resetStats();
      return "{\"reset\":true}";
    }
    if (req.path.equals("/emulator/batch")) {
      return batches.control(req.query);
    }
    String json = emulator.stats().toJson();
    return json.substring(0, json.length() - 1) + ",\"batch\":" + batches.stats().toJson() + "}";
  }

  private static String bearer(String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    return authorization.substring(7).trim();
  }

  private static CompletableFuture<Reply> done(Reply r) {
    return CompletableFuture.completedFuture(r);
  }
}
