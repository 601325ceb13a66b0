package dev.openaibeam.emulator;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A load client for measuring an emulator's throughput (run-scripts/bench-emulator.sh): keep-alive
 * connections driven from one thread with a selector, each sending its next POST
 * /v1/chat/completions as soon as the previous answer is read, until the given number of calls is
 * answered. One thread and no HTTP library, so that the client takes as little of the CPU as it
 * can. Not a test; run it with a main:
 *
 * <pre>java -cp ... dev.openaibeam.emulator.EmulatorLoad PORT [calls=200000] [connections=256] [tag=run]</pre>
 *
 * Prints one line: {@code calls=N seconds=S calls_per_s=R statuses={200=N}}.
 */
public final class EmulatorLoad {
  private static final byte[] HEAD_END = {'\r', '\n', '\r', '\n'};

  /** One connection: the answer being read, and how far. */
  private static final class Conn {
    final SocketChannel channel;
    ByteBuffer in = ByteBuffer.allocate(16 * 1024);
    ByteBuffer out;

    Conn(SocketChannel channel) {
      this.channel = channel;
    }
  }

  private final int port;
  private final long calls;
  private final String tag;
  private long sent;
  private long answered;
  private final Map<Integer, Long> statuses = new TreeMap<>();

  private EmulatorLoad(int port, long calls, String tag) {
    this.port = port;
    this.calls = calls;
    this.tag = tag;
  }

  public static void main(String[] args) throws IOException {
    int port = Integer.parseInt(args[0]);
    long calls = args.length > 1 ? Long.parseLong(args[1]) : 200_000;
    int connections = args.length > 2 ? Integer.parseInt(args[2]) : 256;
    String tag = args.length > 3 ? args[3] : "run";
    new EmulatorLoad(port, calls, tag).run(connections);
  }

  private void run(int connections) throws IOException {
    try (Selector selector = Selector.open()) {
      for (int i = 0; i < connections; i++) {
        SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
        ch.socket().setTcpNoDelay(true);
        ch.configureBlocking(false);
        ch.register(selector, 0, new Conn(ch));
      }
      long start = System.nanoTime();
      for (SelectionKey k : selector.keys()) {
        next(k);
      }
      while (answered < calls) {
        selector.select();
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
          SelectionKey k = it.next();
          it.remove();
          if (k.isWritable()) {
            write(k);
          }
          if (k.isValid() && k.isReadable()) {
            read(k);
          }
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf(Locale.ROOT, "calls=%d seconds=%.3f calls_per_s=%.0f statuses=%s%n",
          answered, seconds, answered / seconds, statuses);
      for (SelectionKey k : selector.keys()) {
        k.channel().close();
      }
    }
  }

  /** Sends the connection's next call, or leaves it idle once every call is sent. */
  private void next(SelectionKey k) throws IOException {
    if (sent >= calls) {
      k.interestOps(0);
      return;
    }
    long n = sent++;
    String body = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"ticket " + n
        + " (" + tag + "): the printer on floor 3 prints blank pages\"}],\"max_tokens\":16}";
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:" + port
        + "\r\nAuthorization: Bearer sk-load\r\nContent-Type: application/json\r\nContent-Length: "
        + b.length + "\r\n\r\n";
    ByteBuffer out = ByteBuffer.allocate(head.length() + b.length);
    out.put(head.getBytes(StandardCharsets.ISO_8859_1)).put(b).flip();
    ((Conn) k.attachment()).out = out;
    write(k);
  }

  private void write(SelectionKey k) throws IOException {
    Conn c = (Conn) k.attachment();
    c.channel.write(c.out);
    k.interestOps(c.out.hasRemaining() ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
  }

  private void read(SelectionKey k) throws IOException {
    Conn c = (Conn) k.attachment();
    if (c.channel.read(c.in) < 0) {
      throw new IOException("the server closed a connection after " + answered + " answers");
    }
    int headEnd = indexOf(c.in, HEAD_END);
    if (headEnd < 0) {
      grow(c);
      return;
    }
    String head = new String(c.in.array(), 0, headEnd, StandardCharsets.ISO_8859_1);
    int total = headEnd + 4 + contentLength(head);
    if (c.in.position() < total) {
      if (total > c.in.capacity()) {
        grow(c);
      }
      return;
    }
    if (c.in.position() > total) {
      throw new IOException("more bytes than one answer: this client does not pipeline");
    }
    statuses.merge(Integer.parseInt(head.substring(9, 12)), 1L, Long::sum);
    answered++;
    c.in.clear();
    next(k);
  }

  private static int contentLength(String head) {
    int at = head.toLowerCase(Locale.ROOT).indexOf("\r\ncontent-length:");
    int end = head.indexOf('\r', at + 2);
    return Integer.parseInt(head.substring(at + 17, end < 0 ? head.length() : end).trim());
  }

  private static int indexOf(ByteBuffer b, byte[] what) {
    byte[] a = b.array();
    for (int i = 0; i + what.length <= b.position(); i++) {
      if (a[i] == what[0] && a[i + 1] == what[1] && a[i + 2] == what[2] && a[i + 3] == what[3]) {
        return i;
      }
    }
    return -1;
  }

  private static void grow(Conn c) {
    if (!c.in.hasRemaining()) {
      ByteBuffer bigger = ByteBuffer.allocate(c.in.capacity() * 2);
      c.in.flip();
      bigger.put(c.in);
      c.in = bigger;
    }
  }
}
