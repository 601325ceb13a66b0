package dev.openaibeam.jsonl;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads raw byte lines with 1-based numbers, streaming: memory holds only the current line, which
 * may be of any length. {@code \n} and {@code \r\n} end a line; a last line without a newline is a
 * line; nothing follows a final newline. A UTF-8 byte-order mark at the start (what Excel,
 * PowerShell and many Windows editors write) is not part of the first line.
 */
public final class LineReader {
  /** Receives each line. */
  public interface LineConsumer {
    void accept(long lineNumber, byte[] line) throws IOException;
  }

  private LineReader() {}

  public static long forEachLine(InputStream in, LineConsumer consumer) throws IOException {
    byte[] buf = new byte[1 << 16];
    ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    long number = 0;
    int n;
    boolean pending = false;
    while ((n = in.read(buf)) > 0) {
      int start = 0;
      for (int i = 0; i < n; i++) {
        if (buf[i] == '\n') {
          line.write(buf, start, i - start);
          byte[] bytes = line.toByteArray();
          consumer.accept(++number, number == 1 ? stripBom(stripCr(bytes)) : stripCr(bytes));
          // Do not keep a 10 MB buffer alive after one long line.
          line = bytes.length > (1 << 20) ? new ByteArrayOutputStream(256) : line;
          line.reset();
          start = i + 1;
          pending = false;
        }
      }
      if (start < n) {
        line.write(buf, start, n - start);
        pending = true;
      }
    }
    if (pending && line.size() > 0) {
      byte[] last = stripCr(line.toByteArray());
      consumer.accept(++number, number == 1 ? stripBom(last) : last);
    }
    return number;
  }

  private static byte[] stripBom(byte[] b) {
    if (b.length >= 3 && (b[0] & 0xff) == 0xef && (b[1] & 0xff) == 0xbb && (b[2] & 0xff) == 0xbf) {
      byte[] c = new byte[b.length - 3];
      System.arraycopy(b, 3, c, 0, c.length);
      return c;
    }
    return b;
  }

  private static byte[] stripCr(byte[] b) {
    if (b.length > 0 && b[b.length - 1] == '\r') {
      byte[] c = new byte[b.length - 1];
      System.arraycopy(b, 0, c, 0, c.length);
      return c;
    }
    return b;
  }
}
