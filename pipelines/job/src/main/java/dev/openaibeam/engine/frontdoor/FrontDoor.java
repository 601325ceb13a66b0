package dev.openaibeam.engine.frontdoor;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The engine's OpenAI-compatible HTTP server on 127.0.0.1: {@code POST /v1/chat/completions},
 * {@code /v1/embeddings}, {@code /v1/completions}, {@code /v1/responses} publish the request to the
 * requests topic and answer from the results (or failures) topic; {@code GET /v1/models} lists the
 * upstream's models; {@code GET /health} and {@code GET /metrics} (Prometheus) show the engine. The
 * upstream's key stays in the pipeline: nothing a client sends as its key is used or published.
 *
 * <pre>{@code
 * try (FrontDoor door = FrontDoor.start(FrontDoorConfig.of(...), metricsFn, modelsFn)) {
 *   // point an SDK at http://127.0.0.1:<door.port()>/v1
 * }
 * }</pre>
 */
public final class FrontDoor implements AutoCloseable {
  private static final int MAX_BODY_BYTES = 64 * 1024 * 1024;

  private final EventLoopGroup loops;
  private final Channel server;
  private final Set<Channel> open = ConcurrentHashMap.newKeySet();
  private final PendingAnswers pending = new PendingAnswers();
  private final FrontDoorMetrics metrics;
  private final TopicLink topics;

  private FrontDoor(FrontDoorConfig config, Supplier<Map<String, Long>> pipelineCounters,
      Supplier<String> health, Supplier<String> models) throws IOException {
    metrics = new FrontDoorMetrics(pending::size, pipelineCounters);
    AnswerRate rate = new AnswerRate();
    topics = new TopicLink(config.bootstrapServers(), config.requestsTopic(), config.resultsTopic(),
        config.failuresTopic(), (record, isResult) -> onAnswer(record, isResult, rate));
    Admission admission = new Admission(config.maxConcurrentRequests(), config.maxQueueSeconds(),
        config.requestsPerMinute(), rate);
    FrontDoorHandler.Shared shared = new FrontDoorHandler.Shared(
        pending, admission, topics, metrics, health, models, config.answerTimeoutSeconds());
    int threads = Math.min(4, Math.max(2, Runtime.getRuntime().availableProcessors()));
    loops = new NioEventLoopGroup(threads, new DefaultThreadFactory("front-door", true));
    ServerBootstrap bootstrap = new ServerBootstrap()
        .group(loops)
        .channel(NioServerSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, 4096)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            open.add(ch);
            ch.closeFuture().addListener(f -> open.remove(ch));
            ch.pipeline()
                .addLast(new HttpServerCodec())
                .addLast(new HttpObjectAggregator(MAX_BODY_BYTES, true))
                .addLast(new FrontDoorHandler(shared));
          }
        });
    ChannelFuture bound =
        bootstrap.bind(new InetSocketAddress("127.0.0.1", config.port())).awaitUninterruptibly();
    if (!bound.isSuccess()) {
      loops.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      topics.close();
      throw new IOException("front door: cannot listen on 127.0.0.1:" + config.port(), bound.cause());
    }
    server = bound.channel();
  }

  /**
   * Starts the front door. {@code pipelineCounters}: the pipeline's counters for /metrics;
   * {@code health}: null when healthy, else why not; {@code models}: the body of GET /v1/models.
   */
  public static FrontDoor start(FrontDoorConfig config, Supplier<Map<String, Long>> pipelineCounters,
      Supplier<String> health, Supplier<String> models) throws IOException {
    return new FrontDoor(config, pipelineCounters, health, models);
  }

  public int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  /** Requests published and not answered yet. */
  public int queueLength() {
    return pending.size();
  }

  public FrontDoorMetrics metrics() {
    return metrics;
  }

  private void onAnswer(ConsumerRecord<String, String> record, boolean isResult, AnswerRate rate) {
    String id = record.key();
    if (id == null || record.value() == null) {
      return;
    }
    Answer answer;
    try {
      answer = isResult ? Answer.fromResultLine(record.value()) : Answer.fromFailureLine(record.value());
    } catch (IOException e) {
      answer = Answer.error(502, "the engine wrote an unreadable answer for this request",
          "server_error", "unreadable_answer");
    }
    rate.record(System.nanoTime());
    if (!pending.complete(id, answer) && id.startsWith(FrontDoorHandler.ID_PREFIX)) {
      metrics.duplicates.inc();
    }
  }

  /**
   * Stops taking requests, answers those still waiting with 503 (they may still be answered on
   * the results topic), closes the connections and the Kafka clients.
   */
  @Override
  public void close() {
    server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    pending.failAll(Answer.error(503, "the engine is stopping; this request may still be answered"
        + " on the results topic", "server_error", "engine_stopping"));
    loops.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    for (Channel c : open) {
      c.close();
    }
    topics.close();
  }
}
