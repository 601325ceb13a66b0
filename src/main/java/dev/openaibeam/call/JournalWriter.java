package dev.openaibeam.call;

import dev.openaibeam.api.ApiResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.util.MimeTypes;

/**
 * Appends journal lines for one calling instance. Each line goes to the filesystem as soon as its
 * answer is handled, so a killed JVM loses none that were written: a local file is written through
 * its own {@link FileChannel} (Beam's local filesystem buffers 8 KB in the JVM, about 20 answers a
 * SIGKILL would lose and the restarted job pay again); files are closed, which is what makes them
 * durable on object stores, and a new one started every roll interval and at teardown.
 */
final class JournalWriter implements AutoCloseable {
  private final ResultJournal journal;
  private final String instanceId = UUID.randomUUID().toString();
  private WritableByteChannel channel;
  private int sequence;
  private long openedAtNanos;

  JournalWriter(ResultJournal journal) {
    this.journal = journal;
  }

  void append(ApiResponse response) {
    byte[] line = (journal.getFormat().apply(response) + "\n").getBytes(StandardCharsets.UTF_8);
    try {
      rollIfDue();
      ByteBuffer buf = ByteBuffer.wrap(line);
      while (buf.hasRemaining()) {
        channel.write(buf);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the result journal in " + journal.getDirectory(), e);
    }
  }

  /** Closes the current file, so everything so far is durable even on object stores. */
  void roll() {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot close the result journal", e);
      } finally {
        channel = null;
      }
    }
  }

  private void rollIfDue() throws IOException {
    long now = System.nanoTime();
    if (channel != null
        && now - openedAtNanos > TimeUnit.SECONDS.toNanos(journal.getRollSeconds())) {
      roll();
    }
    if (channel == null) {
      String name = String.format("part-%s-%05d.jsonl", instanceId, sequence++);
      ResourceId file =
          FileSystems.matchNewResource(ResultJournal.resolve(journal.getDirectory(), name), false);
      channel = "file".equals(file.getScheme()) ? unbuffered(Path.of(file.toString()))
          : FileSystems.create(file, MimeTypes.TEXT);
      openedAtNanos = now;
    }
  }

  private static WritableByteChannel unbuffered(Path path) throws IOException {
    Files.createDirectories(path.toAbsolutePath().getParent());
    return FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
  }

  @Override
  public void close() {
    roll();
  }
}
