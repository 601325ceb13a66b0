package dev.openaibeam.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code "stream": true} on the wire: chunked server-sent events, as the service sends them. */
class StreamingTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\","
      + "\"content\":\"tell me a story about streams\"}],\"max_tokens\":6%s}";

  /** One response read off a socket: chunked, with a content-length, or up to the close. */
  private record Streamed(int status, Map<String, String> headers, String body, boolean complete) {
    /** The JSON of each {@code data:} line but {@code [DONE]}. */
    List<JsonNode> data() throws IOException {
      List<JsonNode> out = new ArrayList<>();
      for (String line : body.split("\n")) {
        if (line.startsWith("data: ") && !line.equals("data: [DONE]")) {
          out.add(JSON.readTree(line.substring(6)));
        }
      }
      return out;
    }
  }

  private static Streamed read(InputStream in) throws IOException {
    String status = line(in);
    Map<String, String> headers = new LinkedHashMap<>();
    for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
      int colon = h.indexOf(':');
      headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    boolean complete;
    if ("chunked".equals(headers.get("transfer-encoding"))) {
      complete = false;
      for (String size = line(in); size != null; size = line(in)) {
        int n = Integer.parseInt(size.trim(), 16);
        if (n == 0) {
          line(in);
          complete = true;
          break;
        }
        body.write(in.readNBytes(n));
        line(in);
      }
    } else if (headers.containsKey("content-length")) {
      int n = Integer.parseInt(headers.get("content-length"));
      byte[] b = in.readNBytes(n);
      body.write(b);
      complete = b.length == n;
    } else {
      body.write(in.readAllBytes());
      complete = true;
    }
    return new Streamed(Integer.parseInt(status.split(" ")[1]), headers,
        body.toString(StandardCharsets.UTF_8), complete);
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (int c = in.read(); c >= 0; c = in.read()) {
      if (c == '\n') {
        String s = b.toString(StandardCharsets.UTF_8);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      b.write(c);
    }
    return b.size() == 0 ? null : b.toString(StandardCharsets.UTF_8);
  }

  private static String post(String path, String body, String version) {
    return "POST " + path + " " + version + "\r\nHost: 127.0.0.1\r\nAuthorization: Bearer k\r\n"
        + "Content-Type: application/json\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length
        + "\r\n\r\n" + body;
  }

  private static String content(JsonNode answer) {
    return answer.at("/choices/0/message/content").asText();
  }

  @Test
  void chatStreamsFramesThatJoinToTheAnswerAndKeepsTheConnection() throws Exception {
    try (OpenAiEmulator emu = OpenAiEmulator.start(EmulatorConfig.builder().latency(LatencyModel.fixed(150)).build());
        Socket s = new Socket("127.0.0.1", emu.port())) {
      s.setSoTimeout(5_000);
      InputStream in = new BufferedInputStream(s.getInputStream());
      String streamed = String.format(CHAT, ",\"stream\":true,\"stream_options\":{\"include_usage\":true}");
      long start = System.nanoTime();
      s.getOutputStream().write(post("/v1/chat/completions", streamed, "HTTP/1.1").getBytes(StandardCharsets.UTF_8));
      Streamed r = read(in);
      assertTrue((System.nanoTime() - start) / 1_000_000 >= 140, "the first chunk after the latency");
      assertEquals(200, r.status());
      assertTrue(r.complete(), "ends with the last chunk");
      assertEquals("text/event-stream; charset=utf-8", r.headers().get("content-type"));
      assertEquals("150", r.headers().get("openai-processing-ms"));
      assertEquals(OpenAiEmulator.digest(streamed), r.headers().get("x-emulator-digest"));
      assertTrue(r.body().endsWith("\n\ndata: [DONE]\n\n"), r.body());
      for (String frame : r.body().split("\n\n")) {
        assertTrue(frame.startsWith("data: ") && !frame.contains("\n"), frame);
      }
      List<JsonNode> chunks = r.data();
      JsonNode first = chunks.get(0).at("/choices/0/delta");
      assertEquals("assistant", first.get("role").asText());
      StringBuilder joined = new StringBuilder();
      for (JsonNode c : chunks) {
        assertEquals("chat.completion.chunk", c.get("object").asText());
        assertEquals(chunks.get(0).get("id"), c.get("id"));
        assertEquals(chunks.get(0).get("created"), c.get("created"));
        c.path("choices").forEach(ch -> joined.append(ch.path("delta").path("content").asText("")));
      }
      assertTrue(chunks.size() >= 7, "role, five or more pieces, finish, usage: " + chunks.size());
      assertEquals("stop", chunks.get(chunks.size() - 2).at("/choices/0/finish_reason").asText());
      JsonNode usage = chunks.get(chunks.size() - 1);
      assertEquals(0, usage.get("choices").size());
      assertEquals(6, usage.at("/usage/completion_tokens").asInt());

      // The same body without the flag: the same answer, but for the digest of what was sent.
      String plain = String.format(CHAT, "");
      s.getOutputStream().write(post("/v1/chat/completions", plain, "HTTP/1.1").getBytes(StandardCharsets.UTF_8));
      Streamed whole = read(in); // on the same connection
      assertEquals(200, whole.status());
      assertEquals(content(JSON.readTree(whole.body())).replace(OpenAiEmulator.digest(plain),
          OpenAiEmulator.digest(streamed)), joined.toString());
      assertEquals(usage.get("usage"), JSON.readTree(whole.body()).get("usage"));
      assertEquals(2, emu.stats().accepted(), "a stream is accepted once");
    }
  }

  @Test
  void streamedPiecesJoinToTheAnswerOfTheSameBody() throws Exception {
    String[][] cases = {
        {"/v1/chat/completions", "{\"model\":\"m\",\"n\":2,\"messages\":[{\"role\":\"user\",\"content\":\"two choices, please\"}]}"},
        {"/v1/chat/completions", "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
            + "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"s\",\"schema\":"
            + "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"},\"b\":{\"type\":\"array\","
            + "\"items\":{\"type\":\"integer\"}}}}}}}"},
        {"/v1/chat/completions", "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
            + "\"tool_choice\":\"required\",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\","
            + "\"parameters\":{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\"}}}}}]}"},
        {"/v1/completions", "{\"model\":\"m\",\"prompt\":[\"one prompt\",\"two prompts\"]}"},
        {"/v1/responses", "{\"model\":\"m\",\"input\":\"unicode \uD83D\uDE00 and a verylongwordthatmustbecutintopieces\"}"},
    };
    for (String[] c : cases) {
      JsonNode body = JSON.readTree(c[1]);
      String digest = Answers.digest(c[1]);
      TokenCharge charge = TokenCounter.charge(c[0], body);
      JsonNode answer = Answers.answerNode(c[0], "m", body, digest, charge);
      List<String> events = StreamedAnswers.events(c[0], Answers.answerNode(c[0], "m", body, digest, charge), body);
      Map<String, StringBuilder> joined = new LinkedHashMap<>();
      JsonNode completed = null;
      for (String e : events) {
        String data = e.substring(e.indexOf("data: ") + 6).trim();
        if (data.equals("[DONE]")) {
          continue;
        }
        JsonNode n = JSON.readTree(data);
        if (n.path("type").asText().equals("response.output_text.delta")) {
          joined.computeIfAbsent("0", k -> new StringBuilder()).append(n.get("delta").asText());
        } else if (n.path("type").asText().equals("response.completed")) {
          completed = n.get("response");
        }
        for (JsonNode ch : n.path("choices")) {
          StringBuilder b = joined.computeIfAbsent(ch.get("index").asText(), k -> new StringBuilder());
          b.append(ch.has("text") ? ch.get("text").asText() : ch.path("delta").path("content").asText(""));
          ch.path("delta").path("tool_calls").forEach(t -> b.append(t.path("function").path("arguments").asText()));
        }
      }
      if (c[0].equals("/v1/responses")) {
        assertEquals(answer.at("/output/0/content/0/text").asText(), joined.get("0").toString());
        assertEquals(answer.get("usage").toString(), completed.get("usage").toString());
        assertEquals("completed", completed.at("/output/0/status").asText());
        continue;
      }
      for (JsonNode choice : answer.get("choices")) {
        String expected = choice.has("text") ? choice.get("text").asText()
            : choice.at("/message/tool_calls/0/function/arguments").isMissingNode()
                ? choice.at("/message/content").asText()
                : choice.at("/message/tool_calls/0/function/arguments").asText();
        assertEquals(expected, joined.get(choice.get("index").asText()).toString(), c[1]);
      }
    }
    assertEquals(List.of("verylongwordthatmustbecu", "tintopieces"),
        StreamedAnswers.pieces("verylongwordthatmustbecutintopieces", 24));
    assertEquals(List.of("a", "  b", " \uD83D\uDE00"), StreamedAnswers.pieces("a  b \uD83D\uDE00", 3));
  }

  @Test
  void responsesStreamTypedEventsInOrder() throws Exception {
    try (OpenAiEmulator emu = OpenAiEmulator.start(EmulatorConfig.builder().build());
        Socket s = new Socket("127.0.0.1", emu.port())) {
      s.setSoTimeout(5_000);
      s.getOutputStream().write(post("/v1/responses", "{\"model\":\"gpt-4o\",\"stream\":true,\"input\":\"a b c\"}",
          "HTTP/1.1").getBytes(StandardCharsets.UTF_8));
      Streamed r = read(new BufferedInputStream(s.getInputStream()));
      List<String> types = new ArrayList<>();
      int seq = 0;
      for (String frame : r.body().split("\n\n")) {
        String[] lines = frame.split("\n");
        assertTrue(lines[0].startsWith("event: "), frame);
        JsonNode data = JSON.readTree(lines[1].substring("data: ".length()));
        assertEquals(lines[0].substring(7), data.get("type").asText());
        assertEquals(seq++, data.get("sequence_number").asInt());
        types.add(data.get("type").asText());
      }
      assertEquals(List.of("response.created", "response.in_progress", "response.output_item.added",
          "response.content_part.added"), types.subList(0, 4));
      assertEquals(List.of("response.output_text.done", "response.content_part.done",
          "response.output_item.done", "response.completed"), types.subList(types.size() - 4, types.size()));
      assertFalse(r.body().contains("[DONE]"), "the Responses API ends with response.completed");
    }
  }

  @Test
  void truncatedStreamsHttp10AndLimits() throws Exception {
    String streamed = String.format(CHAT, ",\"stream\":true");
    try (OpenAiEmulator emu = OpenAiEmulator.start(EmulatorConfig.builder()
        .faults(FaultPlan.builder().truncatedBody(1).build()).build());
        Socket s = new Socket("127.0.0.1", emu.port())) {
      s.setSoTimeout(5_000);
      s.getOutputStream().write(post("/v1/chat/completions", streamed, "HTTP/1.1").getBytes(StandardCharsets.UTF_8));
      Streamed r = read(new BufferedInputStream(s.getInputStream()));
      assertFalse(r.complete(), "a truncated stream ends without its last chunk");
      assertTrue(r.body().startsWith("data: ") && !r.body().contains("[DONE]"), r.body());
      assertEquals(1, emu.stats().truncated());
    }
    try (OpenAiEmulator emu = OpenAiEmulator.start(EmulatorConfig.builder().rpm(60).windowSeconds(1).build())) {
      try (Socket s = new Socket("127.0.0.1", emu.port())) { // HTTP/1.0: no chunks, the close ends it
        s.setSoTimeout(5_000);
        s.getOutputStream().write(post("/v1/chat/completions", streamed, "HTTP/1.0").getBytes(StandardCharsets.UTF_8));
        Streamed r = read(new BufferedInputStream(s.getInputStream()));
        assertNull(r.headers().get("transfer-encoding"));
        assertTrue(r.body().endsWith("data: [DONE]\n\n"), r.body());
      }
      try (Socket s = new Socket("127.0.0.1", emu.port())) { // over the limit: a plain JSON 429
        s.setSoTimeout(5_000);
        s.getOutputStream().write(post("/v1/chat/completions", streamed, "HTTP/1.1").getBytes(StandardCharsets.UTF_8));
        Streamed r = read(new BufferedInputStream(s.getInputStream()));
        assertEquals(429, r.status());
        assertEquals("application/json", r.headers().get("content-type"));
        assertEquals("rate_limit_exceeded", JSON.readTree(r.body()).at("/error/code").asText());
      }
      assertEquals(1, emu.stats().accepted());
      assertEquals(1, emu.stats().rateLimitedRequests());
    }
  }
}
