package dev.openaibeam.jsonl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineReaderTest {
  private static List<String> lines(byte[] data) throws Exception {
    List<String> out = new ArrayList<>();
    LineReader.forEachLine(new ByteArrayInputStream(data),
        (n, b) -> out.add(n + ":" + new String(b, StandardCharsets.UTF_8)));
    return out;
  }

  @Test
  void endingsAndNumbers() throws Exception {
    assertEquals(List.of("1:a", "2:b", "3:", "4:c"), lines("a\r\nb\n\nc".getBytes(StandardCharsets.UTF_8)));
    assertEquals(List.of("1:a"), lines("a\n".getBytes(StandardCharsets.UTF_8)));
    assertEquals(List.of(), lines(new byte[0]));
  }

  @Test
  void tenMegabyteLine() throws Exception {
    byte[] big = new byte[10 * 1024 * 1024 + 3];
    Arrays.fill(big, (byte) 'x');
    big[big.length - 1] = '\n';
    big[big.length - 2] = 'y';
    List<Integer> sizes = new ArrayList<>();
    byte[] data = new byte[big.length + 2];
    System.arraycopy(big, 0, data, 0, big.length);
    data[big.length] = 'z';
    data[big.length + 1] = '\n';
    LineReader.forEachLine(new ByteArrayInputStream(data), (n, b) -> sizes.add(b.length));
    assertEquals(List.of(big.length - 1, 1), sizes);
  }

  @Test
  void givenAByteOrderMark_theFirstRowKeepsOnlyItsText() throws Exception {
    byte[] bom = {(byte) 0xef, (byte) 0xbb, (byte) 0xbf};
    byte[] text = "{\"a\":1}\r\n\uFEFFkept\r\n".getBytes(StandardCharsets.UTF_8);
    byte[] data = new byte[bom.length + text.length];
    System.arraycopy(bom, 0, data, 0, 3);
    System.arraycopy(text, 0, data, 3, text.length);
    // Only the mark at the start of the file goes; one inside a later line is that line's text.
    assertEquals(List.of("1:{\"a\":1}", "2:\uFEFFkept"), lines(data));
    assertEquals(List.of("1:x"), lines(new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf, 'x'}));
  }
}
