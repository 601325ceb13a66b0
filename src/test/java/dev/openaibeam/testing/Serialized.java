package dev.openaibeam.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Objects as Java serialization writes them (what a runner ships to workers), as text to search
 * for a secret. Beam's {@code SerializableUtils.serializeToByteArray} compresses, so a key could
 * be in its bytes without showing.
 */
public final class Serialized {
  private Serialized() {}

  public static String text(Object... objects) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      for (Object o : objects) {
        out.writeObject(o);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toString(StandardCharsets.ISO_8859_1);
  }
}
