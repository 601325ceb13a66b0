package dev.openaibeam.call;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.api.ApiResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The answers already in this run's result journal, for a calling instance the runner started
 * again after a lost worker: Flink restarts the failed part of a batch job from its input, and
 * without this every row answered before the failure would be paid again. Loaded once when the
 * instance is set up; only each id's place (file, offset, length) stays in memory, and a line is
 * read back when its row comes. A line cut short (the journal of a killed worker) is left out.
 */
final class JournalReplay {
  private record Place(int file, long offset, int length) {}

  private static final JsonFactory JSON = new JsonFactory();

  private final List<ResourceId> files = new ArrayList<>();
  private final Map<String, Place> places = new HashMap<>();
  private final SerializableFunction<String, ApiResponse> parser;

  private JournalReplay(SerializableFunction<String, ApiResponse> parser) {
    this.parser = parser;
  }

  /** Indexes every complete line of the journal's files (none yet: an empty replay). */
  static JournalReplay load(ResultJournal journal, SerializableFunction<String, ApiResponse> parser) {
    JournalReplay replay = new JournalReplay(parser);
    try {
      MatchResult match = FileSystems.match(journal.glob(), EmptyMatchTreatment.ALLOW);
      if (match.status() != MatchResult.Status.OK) {
        return replay;
      }
      for (MatchResult.Metadata m : match.metadata()) {
        replay.index(m.resourceId());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the result journal " + journal.glob(), e);
    }
    return replay;
  }

  int size() {
    return places.size();
  }

  /** The journaled answer to {@code request}'s id, for {@code request}; null when there is none. */
  @Nullable ApiResponse answerFor(ApiRequest request) {
    Place p = places.get(request.getId());
    if (p == null) {
      return null;
    }
    ApiResponse journaled;
    try {
      journaled = parser.apply(read(p));
    } catch (IllegalArgumentException e) {
      return null; // a line that only looked whole: the row is sent again
    }
    return ApiResponse.of(request, journaled.getBody(), journaled.getAttempts(),
        journaled.getLatencyMillis(), journaled.getRequestId(), journaled.getFirstTokenMillis());
  }

  private void index(ResourceId file) throws IOException {
    int fileIndex = files.size();
    files.add(file);
    try (InputStream in = Channels.newInputStream(FileSystems.open(file))) {
      ByteArrayOutputStream line = new ByteArrayOutputStream(4096);
      long offset = 0;
      long lineStart = 0;
      byte[] buf = new byte[64 * 1024];
      int n;
      while ((n = in.read(buf)) > 0) {
        for (int i = 0; i < n; i++, offset++) {
          if (buf[i] != '\n') {
            line.write(buf[i]);
            continue;
          }
          add(line.toString(StandardCharsets.UTF_8), fileIndex, lineStart, line.size());
          line.reset();
          lineStart = offset + 1;
        }
      }
      // Bytes after the last newline: a line cut short by a crash, not an answer.
    }
  }

  private void add(String line, int file, long offset, int length) {
    if (line.isBlank()) {
      return;
    }
    try {
      String id = topLevelId(line);
      if (id == null) {
        id = parser.apply(line).getRequest().getId();
      }
      places.putIfAbsent(id, new Place(file, offset, length));
    } catch (IllegalArgumentException | IOException e) {
      // Not a result line (a torn write): the row is sent again, as it would be without a journal.
    }
  }

  /**
   * The line's top-level {@code "id"}, read without building the whole tree (a journal of a
   * million answers is indexed in seconds); null when it has none.
   */
  private static @Nullable String topLevelId(String line) throws IOException {
    try (JsonParser p = JSON.createParser(line)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if ("id".equals(field)) {
          return value == JsonToken.VALUE_STRING ? p.getText() : null;
        }
        p.skipChildren();
      }
      return null;
    }
  }

  private String read(Place p) {
    try (ReadableByteChannel ch = FileSystems.open(files.get(p.file()))) {
      ByteBuffer buf = ByteBuffer.allocate(p.length());
      if (ch instanceof SeekableByteChannel seekable) {
        seekable.position(p.offset());
      } else {
        skip(ch, p.offset());
      }
      while (buf.hasRemaining() && ch.read(buf) >= 0) {
        // reads until the line is whole
      }
      return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read back the result journal", e);
    }
  }

  private static void skip(ReadableByteChannel ch, long bytes) throws IOException {
    ByteBuffer scratch = ByteBuffer.allocate(64 * 1024);
    long left = bytes;
    while (left > 0) {
      scratch.clear().limit((int) Math.min(scratch.capacity(), left));
      int n = ch.read(scratch);
      if (n < 0) {
        throw new IOException("the journal file is shorter than its index");
      }
      left -= n;
    }
  }
}
