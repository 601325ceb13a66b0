package dev.openaibeam.streaming;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/** Whether a request asks for a streamed answer ({@code "stream": true} at its top level). */
public final class StreamedRequests {
  private static final JsonFactory FACTORY = new JsonFactory();
  private static final ObjectMapper JSON = new ObjectMapper(FACTORY);

  private StreamedRequests() {}

  /** The same request without {@code stream} and {@code stream_options}. */
  public static String unstreamed(String body) {
    try {
      ObjectNode n = (ObjectNode) JSON.readTree(body);
      n.remove("stream");
      n.remove("stream_options");
      return n.toString();
    } catch (IOException | ClassCastException e) {
      return body;
    }
  }

  public static boolean isStreamed(String body) {
    if (body.indexOf("\"stream\"") < 0) {
      return false; // the common case, decided without parsing
    }
    try (JsonParser p = FACTORY.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return false;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (name.equals("stream")) {
          return value == JsonToken.VALUE_TRUE;
        }
        p.skipChildren();
      }
      return false;
    } catch (IOException e) {
      return false;
    }
  }
}
