package dev.openaibeam.streaming;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Cuts a {@code text/event-stream} body, fed in chunks as they arrive, into events (the WHATWG
 * server-sent events rules the SDKs follow): {@code field: value} lines, {@code data} lines of one
 * event joined by newlines, a blank line ending the event, {@code :} lines ignored; lines end in
 * LF, CRLF or CR.
 */
public final class EventStreamParser {
  /** Receives each complete event. */
  public interface EventSink {
    void event(String name, String data);
  }

  private final EventSink sink;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
  private final StringBuilder data = new StringBuilder();
  private String name = "";
  private boolean hasData;
  private boolean lastWasCr;

  public EventStreamParser(EventSink sink) {
    this.sink = sink;
  }

  /** Feeds the next bytes of the body. */
  public void feed(ByteBuffer bytes) {
    while (bytes.hasRemaining()) {
      byte b = bytes.get();
      if (b == '\n' && lastWasCr) {
        lastWasCr = false; // the LF of a CRLF
        continue;
      }
      lastWasCr = b == '\r';
      if (b == '\n' || b == '\r') {
        line(new String(line.toByteArray(), StandardCharsets.UTF_8));
        line.reset();
      } else {
        line.write(b);
      }
    }
  }

  /** The body ended: an event not closed by a blank line still counts (as the SDKs do). */
  public void end() {
    if (line.size() > 0) {
      line(new String(line.toByteArray(), StandardCharsets.UTF_8));
      line.reset();
    }
    dispatch();
  }

  private void line(String l) {
    if (l.isEmpty()) {
      dispatch();
      return;
    }
    if (l.startsWith(":")) {
      return; // a comment (keep-alive)
    }
    int colon = l.indexOf(':');
    String field = colon < 0 ? l : l.substring(0, colon);
    String value = colon < 0 ? "" : l.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    if (field.equals("data")) {
      if (hasData) {
        data.append('\n');
      }
      data.append(value);
      hasData = true;
    } else if (field.equals("event")) {
      name = value;
    }
  }

  private void dispatch() {
    if (hasData) {
      sink.event(name, data.toString());
    }
    data.setLength(0);
    hasData = false;
    name = "";
  }
}
