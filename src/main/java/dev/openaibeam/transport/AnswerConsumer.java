package dev.openaibeam.transport;

import dev.openaibeam.streaming.EventStreamParser;
import dev.openaibeam.streaming.StreamAssembler;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.hc.client5.http.async.methods.AbstractBinResponseConsumer;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpResponse;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Reads an API answer as it arrives: a 2xx {@code text/event-stream} body (a request sent with
 * {@code "stream": true}) goes event by event into a {@link StreamAssembler}, which notes the first
 * token's arrival; any other body is kept whole. It knows the status once the head has come, so a
 * 2xx whose body is then cut off is told apart from a call that got no answer.
 */
final class AnswerConsumer extends AbstractBinResponseConsumer<AnswerConsumer.Answer> {
  /** What came back: {@code assembled} for an event stream, else the {@code body} as text. */
  record Answer(
      int status, Header[] headers, @Nullable String body,
      StreamAssembler.@Nullable Assembled assembled, long firstTokenNanos) {

    @Nullable String header(String name) {
      for (Header h : headers) {
        if (h.getName().equalsIgnoreCase(name)) {
          return h.getValue();
        }
      }
      return null;
    }
  }

  private final StreamAssembler assembler = new StreamAssembler(System::nanoTime);
  private final EventStreamParser events = new EventStreamParser(assembler);
  private final ByteArrayOutputStream whole = new ByteArrayOutputStream();
  private final boolean readEvents;
  private volatile @Nullable HttpResponse response;
  private boolean eventStream;

  /** @param readEvents whether an event stream is read as an answer (not for file contents) */
  AnswerConsumer(boolean readEvents) {
    this.readEvents = readEvents;
  }

  @Override
  protected void start(HttpResponse response, ContentType contentType) {
    this.response = response;
    int code = response.getCode();
    this.eventStream = readEvents && code >= 200 && code < 300 && contentType != null
        && "text/event-stream".equalsIgnoreCase(contentType.getMimeType());
  }

  /** The status of the answer once its head has arrived; 0 before. */
  int statusSeen() {
    HttpResponse r = response;
    return r == null ? 0 : r.getCode();
  }

  @Override
  protected int capacityIncrement() {
    return Integer.MAX_VALUE; // every chunk is consumed as it comes
  }

  @Override
  protected void data(ByteBuffer src, boolean endOfStream) {
    if (eventStream) {
      events.feed(src);
    } else {
      byte[] b = new byte[src.remaining()];
      src.get(b);
      whole.write(b, 0, b.length);
    }
  }

  @Override
  protected Answer buildResult() {
    HttpResponse r = response;
    Header[] headers = r.getHeaders();
    if (eventStream) {
      events.end();
      return new Answer(r.getCode(), headers, null, assembler.finish(), assembler.firstTokenNanos());
    }
    return new Answer(r.getCode(), headers, whole.toString(StandardCharsets.UTF_8), null, -1);
  }

  @Override
  public void releaseResources() {}
}
