package dev.openaibeam.engine.frontdoor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One connection of the front door. A POST to an API endpoint is checked (a JSON object with a
 * model), admitted or refused (429 with {@code retry-after}), given an id, published as a Batch API
 * input line and answered when its result or failure arrives: every request gets exactly one
 * answer, never silence.
 */
final class FrontDoorHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  static final String ID_PREFIX = "fd-";
  static final Set<String> ENDPOINTS =
      Set.of("/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/responses");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What every connection shares. */
  record Shared(PendingAnswers pending, Admission admission, TopicLink topics,
      FrontDoorMetrics metrics, Supplier<String> health, Supplier<String> models,
      int answerTimeoutSeconds) {}

  private final Shared shared;

  FrontDoorHandler(Shared shared) {
    this.shared = shared;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest http) {
    long start = System.nanoTime();
    boolean keepAlive = HttpUtil.isKeepAlive(http);
    String path = http.uri();
    int q = path.indexOf('?');
    if (q >= 0) {
      path = path.substring(0, q);
    }
    if (path.length() > 1 && path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    if (!http.decoderResult().isSuccess()) {
      reply(ctx, Answer.error(400, "malformed HTTP request", "invalid_request_error", null), false, -1);
      return;
    }
    if (http.method().equals(HttpMethod.GET)) {
      get(ctx, path, keepAlive);
      return;
    }
    if (!http.method().equals(HttpMethod.POST) || !ENDPOINTS.contains(path)) {
      reply(ctx, Answer.error(404, "Unknown request URL: " + http.method() + " " + path
          + ". The front door serves POST " + String.join(", ", ENDPOINTS.stream().sorted().toList())
          + " and GET /v1/models.", "invalid_request_error", "unknown_url"), keepAlive, -1);
      return;
    }
    post(ctx, path, http.content().toString(StandardCharsets.UTF_8), keepAlive, start);
  }

  private void get(ChannelHandlerContext ctx, String path, boolean keepAlive) {
    switch (path) {
      case "/health" -> {
        String problem = shared.health().get();
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("status", problem == null ? "ok" : "unhealthy");
        if (problem != null) {
          body.put("reason", problem);
        }
        body.put("queue_length", shared.pending().size());
        reply(ctx, new Answer(problem == null ? 200 : 503, body.toString(), Map.of(), -1), keepAlive, -1);
      }
      case "/metrics" -> {
        FullHttpResponse r = response(200, shared.metrics().scrape(),
            "text/plain; version=0.0.4; charset=utf-8");
        write(ctx, r, keepAlive);
      }
      case "/v1/models" -> {
        String models = shared.models().get();
        reply(ctx, models == null
            ? Answer.error(502, "the upstream did not list its models", "server_error", null)
            : new Answer(200, models, Map.of(), -1), keepAlive, -1);
      }
      default -> reply(ctx, Answer.error(404, "Unknown request URL: GET " + path,
          "invalid_request_error", "unknown_url"), keepAlive, -1);
    }
  }

  private void post(ChannelHandlerContext ctx, String path, String text, boolean keepAlive, long start) {
    shared.metrics().requests.labelValues(path).inc();
    JsonNode body;
    try {
      body = JSON.readTree(text);
    } catch (java.io.IOException e) {
      reply(ctx, Answer.error(400, "We could not parse the JSON body of your request.",
          "invalid_request_error", null), keepAlive, start);
      return;
    }
    if (body == null || !body.isObject() || !body.path("model").isTextual()) {
      reply(ctx, Answer.error(400, "The request body must be a JSON object with a model.",
          "invalid_request_error", "missing_model"), keepAlive, start);
      return;
    }
    if (body.path("stream").asBoolean(false)) {
      reply(ctx, Answer.error(400, "The front door answers whole responses: send the request"
          + " without \"stream\": true.", "invalid_request_error", "stream_not_supported"), keepAlive, start);
      return;
    }
    OptionalLong retryAfter = shared.admission().refuse(shared.pending().size(), System.nanoTime());
    if (retryAfter.isPresent()) {
      shared.metrics().refused.inc();
      reply(ctx, Answer.error(429, "The engine's queue is longer than its budget serves in time."
          + " Please try again in " + retryAfter.getAsLong() + "s.", "requests", "rate_limit_exceeded")
          .withHeader("retry-after", Long.toString(retryAfter.getAsLong()))
          .withHeader("retry-after-ms", Long.toString(retryAfter.getAsLong() * 1000)), keepAlive, start);
      return;
    }
    String id = ID_PREFIX + UUID.randomUUID();
    ObjectNode line = JsonNodeFactory.instance.objectNode();
    line.put("custom_id", id);
    line.put("method", "POST");
    line.put("url", path);
    line.set("body", body);
    CompletableFuture<Answer> answer = shared.pending().register(id);
    var timeout = ctx.executor().schedule(() -> {
      shared.pending().complete(id, Answer.error(504, "No answer within "
          + shared.answerTimeoutSeconds() + " s; the request stays queued and its answer will be on the"
          + " results topic under id " + id, "timeout", "engine_timeout"));
    }, shared.answerTimeoutSeconds(), TimeUnit.SECONDS);
    answer.whenComplete((a, e) -> {
      timeout.cancel(false);
      ctx.executor().execute(() -> reply(ctx, a == null
          ? Answer.error(500, "front door: " + e, "server_error", null) : a, keepAlive, start));
    });
    shared.topics().publish(id, line.toString()).whenComplete((ok, e) -> {
      if (e != null) {
        shared.pending().complete(id, Answer.error(503, "the requests topic did not take the"
            + " request: " + e.getMessage(), "server_error", "queue_unavailable"));
      }
    });
  }

  private void reply(ChannelHandlerContext ctx, Answer a, boolean keepAlive, long start) {
    FullHttpResponse r = response(a.status(), a.body(), "application/json");
    a.headers().forEach((k, v) -> r.headers().set(k, v));
    if (start >= 0) {
      shared.metrics().answers.labelValues(Integer.toString(a.status())).inc();
      shared.metrics().latency.observe((System.nanoTime() - start) / 1e9);
      if (a.upstreamMillis() >= 0) {
        shared.metrics().upstreamLatency.observe(a.upstreamMillis() / 1e3);
      }
    }
    write(ctx, r, keepAlive);
  }

  private static FullHttpResponse response(int status, String body, String contentType) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
        HttpResponseStatus.valueOf(status), Unpooled.wrappedBuffer(bytes));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
    r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
    return r;
  }

  private static void write(ChannelHandlerContext ctx, FullHttpResponse r, boolean keepAlive) {
    if (keepAlive) {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
      ctx.writeAndFlush(r);
    } else {
      ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
