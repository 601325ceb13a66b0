package dev.openaibeam.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.openaibeam.tokens.TokenEstimate;
import dev.openaibeam.tokens.TokenEstimator;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An OpenAI-compatible server for tests, benchmarks and the local demo, on 127.0.0.1 only: chat
 * completions, completions, embeddings and responses, also under Azure's deployment URLs; per-key
 * request and token buckets; the service's rate-limit headers and error bodies; a latency model;
 * seeded faults (500, 503, connection reset, hang, truncated body); deterministic answers that
 * echo a digest of their request; and counters a test can read.
 *
 * <p>Plain sockets, one thread per connection: that gives full control over faults (a reset is a
 * linger-0 close, a truncated body a short write) and keeps a thousand slow calls cheap.
 */
public final class OpenAiEmulator implements AutoCloseable {
  private static final Set<String> ENDPOINTS =
      Set.of("/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/responses");
  private static final TokenEstimator TOKENS = TokenEstimator.create().withDefaultMaxTokens(1024);

  private final EmulatorConfig config;
  private final ServerSocket server;
  private final ExecutorService connections;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final Map<String, KeyBuckets> buckets = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
  private final Set<String> succeeded = ConcurrentHashMap.newKeySet();
  private final Set<String> receivedDigests = ConcurrentHashMap.newKeySet();
  private final AtomicLong requestIds = new AtomicLong();
  private final Random random;
  private volatile boolean closed;
  private volatile FaultPlan faults;
  private final BatchService batches;

  // Counters.
  private final AtomicLong received = new AtomicLong();
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong rateLimitedRequests = new AtomicLong();
  private final AtomicLong rateLimitedTokens = new AtomicLong();
  private final AtomicLong tooLarge = new AtomicLong();
  private final AtomicLong quotaErrors = new AtomicLong();
  private final AtomicLong authErrors = new AtomicLong();
  private final AtomicLong badRequests = new AtomicLong();
  private final AtomicLong faults500 = new AtomicLong();
  private final AtomicLong faults503 = new AtomicLong();
  private final AtomicLong resets = new AtomicLong();
  private final AtomicLong hangs = new AtomicLong();
  private final AtomicLong truncated = new AtomicLong();
  private final AtomicLong repeatedAfterSuccess = new AtomicLong();
  private final AtomicLong acceptedTokens = new AtomicLong();
  private final ArrayDeque<Long> window = new ArrayDeque<>();
  private long firstAccepted;
  private long lastAccepted;
  private long maxInWindow;

  private OpenAiEmulator(EmulatorConfig config) throws IOException {
    this.config = config;
    this.faults = config.faults;
    this.random = new Random(config.latencySeed);
    this.batches = new BatchService(config.batch);
    this.server = new ServerSocket(config.port, 4096, InetAddress.getLoopbackAddress());
    this.connections =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "emulator-conn");
              t.setDaemon(true);
              return t;
            });
    Thread acceptor = new Thread(this::acceptLoop, "emulator-accept-" + server.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public static OpenAiEmulator start(EmulatorConfig config) throws IOException {
    warmUp();
    return new OpenAiEmulator(config);
  }

  /**
   * Loads the tokenizers before the first call: loading one takes a second or more, and calls
   * stalled behind it would reach the buckets all at once, which a real service never does.
   */
  private static void warmUp() {
    for (int i = 0; i < 2_000; i++) {
      for (String model : new String[] {"gpt-4o-mini", "gpt-4"}) {
        try {
          String raw = "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"warm up "
              + i + "\"}],\"max_tokens\":5}";
          JsonNode body = Answers.JSON.readTree(raw);
          TokenEstimate t = TOKENS.estimate("/v1/chat/completions", body);
          Answers.answer("/v1/chat/completions", model, body, Answers.digest(raw), t);
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      }
    }
  }

  public int port() {
    return server.getLocalPort();
  }

  /** {@code http://127.0.0.1:PORT/v1} */
  public String baseUrl() {
    return "http://127.0.0.1:" + port() + "/v1";
  }

  /** The first 16 hex digits of the SHA-256 of a request body, echoed in its answer. */
  public static String digest(String body) {
    return Answers.digest(body);
  }

  public synchronized EmulatorStats stats() {
    return new EmulatorStats(
        received.get(), accepted.get(), rateLimitedRequests.get(), rateLimitedTokens.get(),
        tooLarge.get(), quotaErrors.get(), authErrors.get(), badRequests.get(), faults500.get(),
        faults503.get(), resets.get(), hangs.get(), truncated.get(), repeatedAfterSuccess.get(),
        firstAccepted, lastAccepted, maxInWindow, acceptedTokens.get());
  }

  /** Changes the faults from now on (an outage that starts or ends). */
  public void setFaults(FaultPlan plan) {
    this.faults = plan;
  }

  /** Zeroes the counters and refills every bucket. */
  public synchronized void resetStats() {
    for (AtomicLong c : new AtomicLong[] {received, accepted, rateLimitedRequests, rateLimitedTokens,
        tooLarge, quotaErrors, authErrors, badRequests, faults500, faults503, resets, hangs,
        truncated, repeatedAfterSuccess, acceptedTokens}) {
      c.set(0);
    }
    window.clear();
    firstAccepted = 0;
    lastAccepted = 0;
    maxInWindow = 0;
    batches.resetStats();
    buckets.clear();
    seen.clear();
    succeeded.clear();
    receivedDigests.clear();
  }

  /** Digests of every request body received since the start or the last reset. */
  public Set<String> receivedDigests() {
    return Set.copyOf(receivedDigests);
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    for (Socket s : open) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
    connections.shutdownNow();
    batches.close();
  }

  /** Counters of the Files and Batches endpoints (uploads, batches created, lines answered). */
  public BatchStats batchStats() {
    return batches.stats();
  }

  /** Changes how batches behave from now on (batches already past a step keep their timing). */
  public void setBatchBehaviour(BatchBehaviour behaviour) {
    batches.setBehaviour(behaviour);
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket s = server.accept();
        s.setTcpNoDelay(true);
        open.add(s);
        connections.execute(() -> serve(s));
      } catch (IOException e) {
        if (!closed) {
          System.err.println("emulator: accept failed: " + e);
        }
      }
    }
  }

  /** One keep-alive connection: requests until the client closes it. */
  private void serve(Socket socket) {
    try (Socket s = socket;
        InputStream in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
        OutputStream out = new BufferedOutputStream(s.getOutputStream(), 16 * 1024)) {
      while (!closed) {
        Request req = Request.read(in);
        if (req == null) {
          return;
        }
        if (!handle(req, s, out)) {
          return;
        }
        out.flush();
      }
    } catch (IOException e) {
      // client went away
    } finally {
      open.remove(socket);
    }
  }

  /** Answers one request; false when the connection must end (faults). */
  private boolean handle(Request req, Socket socket, OutputStream out) throws IOException {
    if (req.path.startsWith("/emulator/")) {
      if (req.path.equals("/emulator/reset")) {
        resetStats();
        return respond(out, 200, "{\"reset\":true}", new StringBuilder());
      }
      if (req.path.equals("/emulator/batch")) {
        return respond(out, 200, batchControl(req.query), new StringBuilder());
      }
      String json = stats().toJson();
      return respond(out, 200, json.substring(0, json.length() - 1) + ",\"batch\":"
          + batches.stats().toJson() + "}", new StringBuilder());
    }
    received.incrementAndGet();
    StringBuilder headers = new StringBuilder(256);
    headers.append("x-request-id: req_").append(Long.toHexString(requestIds.incrementAndGet())).append("\r\n");

    // Route: OpenAI paths, or Azure deployment paths with an api-version.
    String path = req.path;
    String query = req.query;
    String endpoint = null;
    String deployment = null;
    boolean azure = path.startsWith("/openai/deployments/");
    if (azure) {
      String rest = path.substring("/openai/deployments/".length());
      int slash = rest.indexOf('/');
      if (slash > 0 && query != null && query.contains("api-version=")) {
        deployment = rest.substring(0, slash);
        endpoint = "/v1/" + rest.substring(slash + 1);
      }
    } else {
      endpoint = path;
    }
    String key = azure ? req.header("api-key") : bearer(req.header("authorization"));
    if (key == null || key.isEmpty() || (!config.acceptedKeys.isEmpty() && !config.acceptedKeys.contains(key))
        && !config.quotaExhaustedKeys.contains(key)) {
      authErrors.incrementAndGet();
      return respond(out, 401, error("Incorrect API key provided: " + mask(key)
          + ". You can find your API key at https://platform.openai.com/account/api-keys.",
          "invalid_request_error", "invalid_api_key"), headers);
    }
    if (!azure && BatchService.handles(path)) {
      BatchService.Reply r = batches.handle(req);
      return respond(out, r.status(), r.body(), headers);
    }
    if (endpoint == null || !ENDPOINTS.contains(endpoint)) {
      badRequests.incrementAndGet();
      return respond(out, 404, error("Invalid URL (" + req.method + " " + path + ")",
          "invalid_request_error", null), headers);
    }
    KeyBuckets b = bucketsFor(key);
    long now = System.nanoTime();
    b.headers(headers, now);

    String rawBody = req.body;
    JsonNode body;
    try {
      body = Answers.JSON.readTree(rawBody);
    } catch (IOException e) {
      body = null;
    }
    if (body == null || !body.isObject()) {
      badRequests.incrementAndGet();
      return respond(out, 400, error("We could not parse the JSON body of your request.",
          "invalid_request_error", null), headers);
    }
    String model = body.path("model").asText(deployment == null ? "" : deployment);
    if (model.isEmpty()) {
      badRequests.incrementAndGet();
      return respond(out, 400, error("you must provide a model parameter", "invalid_request_error", null), headers);
    }
    if (model.equals("does-not-exist") || model.startsWith("missing-")) {
      badRequests.incrementAndGet();
      return respond(out, 404, error("The model `" + model + "` does not exist or you do not have access to it.",
          "invalid_request_error", "model_not_found"), headers);
    }
    if (config.quotaExhaustedKeys.contains(key)) {
      quotaErrors.incrementAndGet();
      return respond(out, 429, error("You exceeded your current quota, please check your plan and billing details.",
          "insufficient_quota", "insufficient_quota"), headers);
    }
    TokenEstimate estimate = TOKENS.estimate(endpoint, body);
    long charge = estimate.total();
    if (b.tpm > 0 && charge > b.tpm) {
      tooLarge.incrementAndGet();
      return respond(out, 429, error("Request too large for " + model + " in organization org-emulator on "
          + "tokens per min (TPM): Limit " + b.tpm + ", Requested " + charge
          + ". The input or output tokens must be reduced in order to run successfully.",
          "tokens", "rate_limit_exceeded"), headers);
    }

    String digest = Answers.digest(rawBody);
    receivedDigests.add(digest);
    String seenKey = digest + "|" + key;
    if (succeeded.contains(seenKey)) {
      repeatedAfterSuccess.incrementAndGet();
    }
    int times = seen.computeIfAbsent(seenKey, k -> new AtomicInteger()).getAndIncrement();
    FaultPlan.Fault fault = faults.decide(digest, times);
    switch (fault) {
      case STATUS_500:
        faults500.incrementAndGet();
        return respond(out, 500, error("The server had an error while processing your request. Sorry about that!",
            "server_error", null), headers);
      case STATUS_503:
        faults503.incrementAndGet();
        return respond(out, 503, error("The engine is currently overloaded, please try again later",
            "server_error", null), headers);
      case RESET:
        resets.incrementAndGet();
        socket.setSoLinger(true, 0);
        socket.close();
        return false;
      case HANG:
        hangs.incrementAndGet();
        sleep(config.hangMillis);
        return false;
      default:
        break;
    }

    KeyBuckets.Admission a = b.admit(charge, System.nanoTime());
    if (!a.admitted) {
      boolean requests = "requests".equals(a.kind);
      (requests ? rateLimitedRequests : rateLimitedTokens).incrementAndGet();
      headers.setLength(0);
      headers.append("x-request-id: req_").append(Long.toHexString(requestIds.get())).append("\r\n");
      b.headers(headers, System.nanoTime());
      headers.append("retry-after-ms: ").append(a.waitMillis).append("\r\n");
      headers.append("retry-after: ").append((a.waitMillis + 999) / 1000).append("\r\n");
      String what = requests ? "requests per min (RPM)" : "tokens per min (TPM)";
      long limit = requests ? b.rpm : b.tpm;
      return respond(out, 429, error(String.format(Locale.ROOT,
          "Rate limit reached for %s in organization org-emulator on %s: Limit %d, Used %d, Requested %d. "
              + "Please try again in %dms.", model, what, limit, limit, requests ? 1 : charge, a.waitMillis),
          requests ? "requests" : "tokens", "rate_limit_exceeded"), headers);
    }
    recordAccepted(charge);
    long latency;
    synchronized (random) {
      latency = config.latency.sampleMillis(random);
    }
    sleep(latency);
    String answer = Answers.answer(endpoint, model, body, digest, estimate);
    headers.append("x-emulator-digest: ").append(digest).append("\r\n");
    if (fault == FaultPlan.Fault.TRUNCATED) {
      truncated.incrementAndGet();
      byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
      writeHead(out, 200, bytes.length, headers);
      out.write(bytes, 0, bytes.length / 2);
      out.flush();
      socket.close();
      return false;
    }
    succeeded.add(seenKey);
    return respond(out, 200, answer, headers);
  }

  /** {@code /emulator/batch?inProgressMs=100&lineFailureRate=0.1}: changes, then shows, the batch behaviour. */
  private String batchControl(String query) {
    try {
      BatchBehaviour b = batches.behaviour();
      if (query != null) {
        for (String kv : query.split("&")) {
          int eq = kv.indexOf('=');
          if (eq > 0) {
            b = b.with(kv.substring(0, eq), java.net.URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
          }
        }
      }
      batches.setBehaviour(b);
      return b.toString();
    } catch (IllegalArgumentException e) {
      return error(e.getMessage(), "invalid_request_error", null);
    }
  }

  private synchronized void recordAccepted(long charge) {
    long now = System.nanoTime();
    accepted.incrementAndGet();
    acceptedTokens.addAndGet(charge);
    if (firstAccepted == 0) {
      firstAccepted = now;
    }
    lastAccepted = now;
    long span = (long) (config.windowSeconds * 1e9);
    window.addLast(now);
    while (!window.isEmpty() && window.peekFirst() <= now - span) {
      window.removeFirst();
    }
    maxInWindow = Math.max(maxInWindow, window.size());
  }

  private KeyBuckets bucketsFor(String key) {
    return buckets.computeIfAbsent(key, k -> {
      EmulatorConfig.Limits l = config.limitsFor(k);
      return new KeyBuckets(l.rpm, l.tpm, config.windowSeconds);
    });
  }

  private static boolean respond(OutputStream out, int status, String body, StringBuilder headers)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    writeHead(out, status, bytes.length, headers);
    out.write(bytes);
    return true;
  }

  private static void writeHead(OutputStream out, int status, int length, StringBuilder headers)
      throws IOException {
    StringBuilder h = new StringBuilder(headers.length() + 128);
    h.append("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n");
    h.append("content-type: application/json\r\n");
    h.append(headers);
    h.append("content-length: ").append(length).append("\r\n\r\n");
    out.write(h.toString().getBytes(StandardCharsets.ISO_8859_1));
  }

  private static String reason(int status) {
    switch (status) {
      case 200: return "OK";
      case 400: return "Bad Request";
      case 401: return "Unauthorized";
      case 404: return "Not Found";
      case 429: return "Too Many Requests";
      case 500: return "Internal Server Error";
      case 503: return "Service Unavailable";
      default: return "Status";
    }
  }

  private static String error(String message, String type, String code) {
    return "{\"error\":{\"message\":" + Answers.JSON.getNodeFactory().textNode(message).toString()
        + ",\"type\":" + (type == null ? "null" : "\"" + type + "\"")
        + ",\"param\":null,\"code\":" + (code == null ? "null" : "\"" + code + "\"") + "}}";
  }

  private static String bearer(String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    return authorization.substring(7).trim();
  }

  /** Like the service: never the whole key. */
  static String mask(String key) {
    if (key == null || key.isEmpty()) {
      return "(none)";
    }
    if (key.length() <= 8) {
      return "****";
    }
    return key.substring(0, 4) + "*".repeat(Math.min(8, key.length() - 8)) + key.substring(key.length() - 4);
  }

  private void sleep(long millis) {
    if (millis <= 0) {
      return;
    }
    try {
      long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
      while (!closed) {
        long left = end - System.nanoTime();
        if (left <= 0) {
          return;
        }
        TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(250)));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A parsed HTTP/1.1 request. */
  static final class Request {
    String method;
    String path;
    String query;
    final Map<String, String> headers = new java.util.HashMap<>();
    String body = "";

    String header(String name) {
      return headers.get(name);
    }

    /** Null at a clean end of the connection. */
    static Request read(InputStream in) throws IOException {
      String line = readLine(in);
      if (line == null) {
        return null;
      }
      while (line.isEmpty()) {
        line = readLine(in);
        if (line == null) {
          return null;
        }
      }
      Request r = new Request();
      int sp1 = line.indexOf(' ');
      int sp2 = line.indexOf(' ', sp1 + 1);
      if (sp1 < 0 || sp2 < 0) {
        throw new IOException("bad request line");
      }
      r.method = line.substring(0, sp1);
      String target = line.substring(sp1 + 1, sp2);
      int q = target.indexOf('?');
      r.path = q >= 0 ? target.substring(0, q) : target;
      r.query = q >= 0 ? target.substring(q + 1) : null;
      String h;
      while ((h = readLine(in)) != null && !h.isEmpty()) {
        int colon = h.indexOf(':');
        if (colon > 0) {
          r.headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
        }
      }
      String len = r.headers.get("content-length");
      String encoding = r.headers.get("transfer-encoding");
      if (encoding != null && encoding.toLowerCase(Locale.ROOT).contains("chunked")) {
        r.body = new String(readChunked(in), StandardCharsets.UTF_8);
      } else if (len != null) {
        r.body = new String(readExactly(in, Integer.parseInt(len)), StandardCharsets.UTF_8);
      }
      return r;
    }

    /** A chunked body (RFC 9112 7.1): sizes in hex, extensions and trailers ignored. */
    private static byte[] readChunked(InputStream in) throws IOException {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      while (true) {
        String sizeLine = readLine(in);
        if (sizeLine == null) {
          throw new IOException("body ends inside a chunk size");
        }
        int semicolon = sizeLine.indexOf(';');
        String hex = (semicolon >= 0 ? sizeLine.substring(0, semicolon) : sizeLine).trim();
        int size;
        try {
          size = Integer.parseInt(hex, 16);
        } catch (NumberFormatException e) {
          throw new IOException("bad chunk size: " + hex, e);
        }
        if (size == 0) {
          String trailer;
          while ((trailer = readLine(in)) != null && !trailer.isEmpty()) {
            // trailers carry nothing the emulator uses
          }
          return body.toByteArray();
        }
        body.write(readExactly(in, size));
        if (!"".equals(readLine(in))) {
          throw new IOException("chunk not followed by CRLF");
        }
      }
    }

    private static byte[] readExactly(InputStream in, int n) throws IOException {
      byte[] b = in.readNBytes(n);
      if (b.length < n) {
        throw new IOException("short body");
      }
      return b;
    }

    private static String readLine(InputStream in) throws IOException {
      ByteArrayOutputStream b = new ByteArrayOutputStream(128);
      int c;
      while ((c = in.read()) >= 0) {
        if (c == '\n') {
          int n = b.size();
          byte[] bytes = b.toByteArray();
          return new String(bytes, 0, n > 0 && bytes[n - 1] == '\r' ? n - 1 : n, StandardCharsets.ISO_8859_1);
        }
        b.write(c);
      }
      return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }
  }

  /** Runs the emulator until killed; see {@link EmulatorConfig#fromArgs}. */
  public static void main(String[] args) throws Exception {
    EmulatorConfig cfg = EmulatorConfig.fromArgs(args);
    OpenAiEmulator emu = start(cfg);
    for (String a : args) {
      if (a.startsWith("--portFile=")) {
        Path p = Path.of(a.substring("--portFile=".length()));
        Path tmp = p.resolveSibling(p.getFileName() + ".tmp");
        Files.writeString(tmp, Integer.toString(emu.port()));
        Files.move(tmp, p, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      }
    }
    System.out.println("emulator listening on " + emu.baseUrl() + " " + cfg);
    Thread.currentThread().join();
  }
}
