package dev.openaibeam.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** How requests reach the emulator: chunked bodies, keep-alive, pipelining, odd framing. */
class HttpFramingTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CHAT =
      "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"ticket 7 printer on fire\"}],\"max_tokens\":16}";
  private static OpenAiEmulator emu;

  @BeforeAll
  static void start() throws Exception {
    emu = OpenAiEmulator.start(EmulatorConfig.builder().latency(LatencyModel.uniform(0, 120)).build());
  }

  @AfterAll
  static void stop() {
    emu.close();
  }

  private static RawHttp connect() throws Exception {
    return new RawHttp(emu.port(), 5_000);
  }

  @Test
  void chunkedBodyInManyChunksWithExtensionsAndTrailers() throws Exception {
    byte[] body = CHAT.getBytes(StandardCharsets.UTF_8);
    StringBuilder raw = new StringBuilder("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
        + "Authorization: Bearer k\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (int i = 0; i < body.length; i += 7) {
      String piece = new String(body, i, Math.min(7, body.length - i), StandardCharsets.UTF_8);
      raw.append(Integer.toHexString(piece.length())).append(i == 0 ? ";ext=1" : "").append("\r\n")
          .append(piece).append("\r\n");
    }
    raw.append("0\r\nX-Trailer: ignored\r\n\r\n");
    try (RawHttp c = connect()) {
      c.send(raw.toString());
      RawHttp.Response r = c.read();
      assertEquals(200, r.status(), r.text());
      assertEquals(OpenAiEmulator.digest(CHAT), r.header("x-emulator-digest"));
      // The same connection takes a plain request next.
      c.send(RawHttp.post("/v1/chat/completions", "k", CHAT));
      assertEquals(200, c.read().status());
    }
  }

  @Test
  void keepAliveConnectionServesManyCallsAndClosesWhenAsked() throws Exception {
    try (RawHttp c = connect()) {
      for (int i = 0; i < 20; i++) {
        c.send(RawHttp.post("/v1/chat/completions", "k", CHAT.replace("7", "7" + i)));
        RawHttp.Response r = c.read();
        assertEquals(200, r.status());
        assertEquals(null, r.header("connection"), "keep-alive is the HTTP/1.1 default");
      }
      c.send(RawHttp.post("/v1/chat/completions", "k", CHAT).replace("Host: 127.0.0.1\r\n",
          "Host: 127.0.0.1\r\nConnection: close\r\n"));
      RawHttp.Response last = c.read();
      assertEquals(200, last.status());
      assertEquals("close", last.header("connection"));
      assertTrue(c.closedByServer());
    }
  }

  @Test
  void jdkClientReusesOneConnection() throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    long before = emu.stats().received();
    for (int i = 0; i < 10; i++) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(emu.baseUrl() + "/chat/completions"))
          .header("Authorization", "Bearer k").POST(HttpRequest.BodyPublishers.ofString(CHAT)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode());
    }
    assertEquals(10, emu.stats().received() - before);
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrderDespiteRandomLatency() throws Exception {
    StringBuilder all = new StringBuilder();
    List<String> digests = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      String body = CHAT.replace("7", "pipelined " + i);
      digests.add(OpenAiEmulator.digest(body));
      all.append(RawHttp.post("/v1/chat/completions", "k", body));
    }
    try (RawHttp c = connect()) {
      c.send(all.toString()); // one write: the server decodes them together
      for (String d : digests) {
        assertEquals(d, c.read().header("x-emulator-digest"));
      }
    }
  }

  @Test
  void http10IsAnsweredAndClosed() throws Exception {
    try (RawHttp c = connect()) {
      c.send(RawHttp.post("/v1/chat/completions", "k", CHAT).replace("HTTP/1.1", "HTTP/1.0"));
      assertEquals(200, c.read().status());
      assertTrue(c.closedByServer());
    }
  }

  @Test
  void longRequestLineAndExpectContinue() throws Exception {
    try (RawHttp c = connect()) {
      c.send("GET /emulator/stats?pad=" + "x".repeat(2_000_000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
      RawHttp.Response r = c.read();
      assertEquals(200, r.status());
      assertTrue(JSON.readTree(r.body()).has("received"));
    }
    try (RawHttp c = connect()) {
      String req = RawHttp.post("/v1/chat/completions", "k", CHAT);
      int split = req.indexOf("\r\n\r\n") + 4;
      c.send(req.substring(0, split - 2) + "Expect: 100-continue\r\n\r\n");
      assertEquals(100, c.read().status(), "the aggregator says continue before the body is sent");
      c.send(req.substring(split));
      assertEquals(200, c.read().status());
    }
  }

  @Test
  void malformedRequestGets400AndClose() throws Exception {
    try (RawHttp c = connect()) {
      c.send("POST /v1/chat/completions HTTP/1.1\r\nContent-Length: nope\r\n\r\n");
      RawHttp.Response r = c.read();
      assertEquals(400, r.status());
      JsonNode error = JSON.readTree(r.body()).get("error");
      assertEquals("invalid_request_error", error.get("type").asText());
      assertTrue(c.closedByServer());
    }
  }

  @Test
  void bodyOverTheLimitIsRefusedWithoutReadingIt() throws Exception {
    try (RawHttp c = connect()) {
      c.send("POST /v1/files HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\nContent-Length: "
          + (HttpServer.MAX_BODY_BYTES + 1L) + "\r\n\r\n");
      assertEquals(413, c.read().status());
    }
  }

  @Test
  void listensOn127001Only() throws Exception {
    // Linux lists sockets as HEXADDR:HEXPORT, state 0A = listening; Java may use a dual-stack
    // socket, where 127.0.0.1 appears as the v4-mapped ::ffff:127.0.0.1.
    String port = String.format("%04X", emu.port());
    List<String> listening = new ArrayList<>();
    for (String file : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      java.nio.file.Path table = java.nio.file.Path.of(file);
      org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isReadable(table));
      for (String line : java.nio.file.Files.readAllLines(table)) {
        String[] f = line.trim().split("\\s+");
        if (f.length > 3 && f[1].endsWith(":" + port) && f[3].equals("0A")) {
          listening.add(f[1].substring(0, f[1].indexOf(':')));
        }
      }
    }
    assertEquals(1, listening.size(), listening.toString());
    assertTrue(Set.of("0100007F", "0000000000000000FFFF00000100007F").contains(listening.get(0)),
        "listening on " + listening);
  }

  @Test
  void answersAreTheSameWhateverTheFraming() throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<String> plain = http.send(HttpRequest.newBuilder(URI.create(emu.baseUrl() + "/chat/completions"))
        .timeout(Duration.ofSeconds(5)).header("Authorization", "Bearer k")
        .POST(HttpRequest.BodyPublishers.ofString(CHAT)).build(), HttpResponse.BodyHandlers.ofString());
    byte[] b = CHAT.getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> chunked = http.send(HttpRequest.newBuilder(URI.create(emu.baseUrl() + "/chat/completions"))
        .timeout(Duration.ofSeconds(5)).header("Authorization", "Bearer k")
        .POST(HttpRequest.BodyPublishers.ofByteArrays(List.of(java.util.Arrays.copyOfRange(b, 0, 5),
            java.util.Arrays.copyOfRange(b, 5, b.length)))).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(plain.body(), chunked.body());
  }
}
