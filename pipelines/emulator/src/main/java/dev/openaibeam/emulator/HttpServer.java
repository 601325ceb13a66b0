package dev.openaibeam.emulator;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The Netty side: a server socket on 127.0.0.1 only, and per connection the HTTP/1.1 codec, an
 * aggregator that hands over whole requests (chunked bodies included), and a {@link
 * ConnectionHandler}. A few event-loop threads serve every connection, however many.
 */
final class HttpServer implements AutoCloseable {
  /** A 200 MB batch input file and its multipart framing, with room to spare. */
  static final int MAX_BODY_BYTES = 256 * 1024 * 1024;
  /** Request line and headers: generous, as the old server had no limit at all. */
  static final int MAX_REQUEST_LINE_BYTES = 10 * 1024 * 1024;
  static final int MAX_HEADER_BYTES = 10 * 1024 * 1024;
  /** The pieces a large body is aggregated from (fewer, larger pieces copy less). */
  private static final int MAX_CHUNK_BYTES = 1024 * 1024;

  private final EventLoopGroup loops;
  private final Channel server;
  private final Set<Channel> open = ConcurrentHashMap.newKeySet();

  HttpServer(int port, Router router) throws IOException {
    // One loop per core (at least 2, at most 4): the answers are CPU work done on the loops.
    int threads = Math.min(4, Math.max(2, Runtime.getRuntime().availableProcessors()));
    loops = new NioEventLoopGroup(threads, new DefaultThreadFactory("emulator-io", true));
    HttpDecoderConfig decoding = new HttpDecoderConfig()
        .setMaxInitialLineLength(MAX_REQUEST_LINE_BYTES)
        .setMaxHeaderSize(MAX_HEADER_BYTES)
        .setMaxChunkSize(MAX_CHUNK_BYTES);
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
                .addLast(new HttpServerCodec(decoding))
                .addLast(new HttpObjectAggregator(MAX_BODY_BYTES, true))
                .addLast(new ConnectionHandler(router));
          }
        });
    ChannelFuture bound = bootstrap.bind(new InetSocketAddress("127.0.0.1", port)).awaitUninterruptibly();
    if (!bound.isSuccess()) {
      loops.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      Throwable cause = bound.cause();
      throw cause instanceof IOException ? (IOException) cause
          : new IOException("cannot listen on 127.0.0.1:" + port, cause);
    }
    server = bound.channel();
  }

  int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  /** Stops listening, drops every connection (hanging and slow calls included) and the threads. */
  @Override
  public void close() {
    server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    for (Channel c : open) {
      c.close();
    }
    loops.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
  }
}
