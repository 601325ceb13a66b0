package dev.openaibeam.emulator;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One keep-alive connection. Its requests are answered one at a time and in order (a pipelined
 * request waits for the one before it), and every step runs on the channel's event loop: a delay
 * is a task scheduled there, not a sleeping thread, so thousands of slow calls in flight cost no
 * threads. A streamed answer is a head, one chunk per event and the last chunk, written at once
 * (no content-length; chunked, or up to a close for HTTP/1.0). Faults are done to the channel
 * itself: a reset is a close with SO_LINGER 0, a hang is a close scheduled after the hang time, a
 * truncated body is half the bytes (half the events) and a close.
 */
final class ConnectionHandler extends ChannelInboundHandlerAdapter {
  private final Router router;
  private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>();
  private boolean busy;

  ConnectionHandler(Router router) {
    this.router = router;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof FullHttpRequest)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    waiting.add((FullHttpRequest) msg);
    next(ctx);
  }

  /** Starts the next waiting request, unless one is still being answered. */
  private void next(ChannelHandlerContext ctx) {
    while (!busy && !waiting.isEmpty() && ctx.channel().isActive()) {
      busy = true;
      serve(ctx, waiting.poll());
    }
  }

  private void serve(ChannelHandlerContext ctx, FullHttpRequest http) {
    if (!http.decoderResult().isSuccess()) { // a malformed request line or headers
      http.release();
      Reply bad = Reply.json(400, ErrorBodies.error("Malformed HTTP request: "
          + http.decoderResult().cause(), "invalid_request_error", null));
      bad.headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      write(ctx, bad, false);
      return;
    }
    boolean keepAlive = HttpUtil.isKeepAlive(http);
    boolean http10 = http.protocolVersion().equals(HttpVersion.HTTP_1_0);
    CompletableFuture<Reply> reply;
    try {
      reply = router.route(new Request(http));
    } catch (RuntimeException e) {
      reply = CompletableFuture.failedFuture(e);
    }
    reply.whenComplete((done, failure) -> {
      http.release();
      Reply r = failure == null ? done : Reply.json(500, ErrorBodies.error(
          "The emulator failed on this request: " + failure, "server_error", null));
      if (ctx.executor().inEventLoop()) {
        deliver(ctx, r, keepAlive, http10);
      } else {
        ctx.executor().execute(() -> {
          deliver(ctx, r, keepAlive, http10);
          next(ctx);
        });
      }
    });
  }

  /** Carries the reply out now, or schedules it on this channel's event loop after its delay. */
  private void deliver(ChannelHandlerContext ctx, Reply r, boolean keepAlive, boolean http10) {
    if (r.delayMillis <= 0) {
      act(ctx, r, keepAlive, http10);
      return;
    }
    ctx.executor().schedule(() -> {
      act(ctx, r, keepAlive, http10);
      next(ctx);
    }, r.delayMillis, TimeUnit.MILLISECONDS);
  }

  private void act(ChannelHandlerContext ctx, Reply r, boolean keepAlive, boolean http10) {
    switch (r.delivery) {
      case RESET:
        ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
        ctx.channel().close();
        return;
      case HANG: // the delay was the hang: now the connection just ends
        ctx.channel().close();
        return;
      case TRUNCATED:
        if (r.events != null) {
          stream(ctx, r, false, http10, r.events.size() / 2);
        } else {
          truncate(ctx, r);
        }
        return;
      default:
        if (http10 && keepAlive) {
          r.headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        } else if (!keepAlive) {
          r.headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        if (r.events != null) {
          stream(ctx, r, keepAlive, http10, r.events.size());
        } else {
          write(ctx, r, keepAlive);
        }
    }
  }

  /**
   * The first {@code count} events of a streamed answer; all of them end with the last chunk, fewer
   * with a close. HTTP/1.0 has no chunks: its stream ends with the connection.
   */
  private void stream(ChannelHandlerContext ctx, Reply r, boolean keepAlive, boolean http10, int count) {
    if (r.beforeWrite != null) {
      r.beforeWrite.run();
    }
    boolean whole = count == r.events.size();
    boolean open = keepAlive && whole && !http10;
    r.headers.set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
    if (http10) {
      r.headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    } else {
      r.headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    }
    ChannelFuture last = ctx.write(new DefaultHttpResponse(HttpVersion.HTTP_1_1, status(r.status), r.headers));
    for (int i = 0; i < count; i++) {
      last = ctx.write(new DefaultHttpContent(ByteBufUtil.writeUtf8(ctx.alloc(), r.events.get(i))));
    }
    if (whole) {
      last = ctx.write(LastHttpContent.EMPTY_LAST_CONTENT);
    }
    ctx.flush();
    last.addListener(open ? ChannelFutureListener.CLOSE_ON_FAILURE : ChannelFutureListener.CLOSE);
    if (open) {
      busy = false;
    }
  }

  private void write(ChannelHandlerContext ctx, Reply r, boolean keepAlive) {
    if (r.beforeWrite != null) {
      r.beforeWrite.run();
    }
    ByteBuf body = ByteBufUtil.writeUtf8(ctx.alloc(), r.body);
    r.headers.set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
    ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status(r.status), body,
        r.headers, EmptyHttpHeaders.INSTANCE))
        .addListener(keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE : ChannelFutureListener.CLOSE);
    if (keepAlive) {
      busy = false;
    }
  }

  /** The head promises the whole body; half of it is sent, then the connection is closed. */
  private void truncate(ChannelHandlerContext ctx, Reply r) {
    if (r.beforeWrite != null) {
      r.beforeWrite.run();
    }
    byte[] bytes = r.body.getBytes(StandardCharsets.UTF_8);
    r.headers.set(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
    ctx.write(new DefaultHttpResponse(HttpVersion.HTTP_1_1, status(r.status), r.headers));
    ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(bytes, 0, bytes.length / 2)))
        .addListener(ChannelFutureListener.CLOSE);
  }

  private static HttpResponseStatus status(int code) {
    return HttpResponseStatus.valueOf(code);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    FullHttpRequest r;
    while ((r = waiting.poll()) != null) {
      r.release();
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close(); // a client that went away mid-request: nothing to answer
  }
}
