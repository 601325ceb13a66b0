package dev.openaibeam.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Each fault as a client sees it, and slow calls that cost the emulator no threads. */
class FaultsAndLatencyTest {
  private static final String CHAT =
      "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"ticket 9\"}],\"max_tokens\":16}";
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private static OpenAiEmulator start(FaultPlan faults, long hangMillis) throws IOException {
    return OpenAiEmulator.start(EmulatorConfig.builder().faults(faults).hangMillis(hangMillis).build());
  }

  private static HttpRequest chat(OpenAiEmulator emu, String body, Duration timeout) {
    return HttpRequest.newBuilder(URI.create(emu.baseUrl() + "/chat/completions")).timeout(timeout)
        .header("Authorization", "Bearer k").POST(HttpRequest.BodyPublishers.ofString(body)).build();
  }

  @Test
  void status500And503CarryTheServiceBodies() throws Exception {
    try (OpenAiEmulator emu = start(FaultPlan.builder().status500(1).build(), 1_000);
        RawHttp c = new RawHttp(emu.port(), 5_000)) {
      c.send(RawHttp.post("/v1/chat/completions", "k", CHAT));
      RawHttp.Response r = c.read();
      assertEquals(500, r.status());
      assertEquals("{\"error\":{\"message\":\"The server had an error while processing your request. Sorry "
          + "about that!\",\"type\":\"server_error\",\"param\":null,\"code\":null}}", r.text());
      assertTrue(r.header("x-request-id").startsWith("req_"));
      emu.setFaults(FaultPlan.builder().status503(1).build());
      c.send(RawHttp.post("/v1/chat/completions", "k", CHAT)); // the connection survives a 5xx
      RawHttp.Response r503 = c.read();
      assertEquals(503, r503.status());
      assertEquals("{\"error\":{\"message\":\"The engine is currently overloaded, please try again later\","
          + "\"type\":\"server_error\",\"param\":null,\"code\":null}}", r503.text());
      assertEquals(1, emu.stats().faults500());
      assertEquals(1, emu.stats().faults503());
    }
  }

  @Test
  void resetIsATcpReset() throws Exception {
    try (OpenAiEmulator emu = start(FaultPlan.builder().connectionReset(1).build(), 1_000)) {
      try (RawHttp c = new RawHttp(emu.port(), 5_000)) {
        c.send(RawHttp.post("/v1/chat/completions", "k", CHAT));
        SocketException e = assertThrows(SocketException.class, c::read);
        assertTrue(e.getMessage().toLowerCase().contains("reset"), "a reset, not a clean close: " + e);
      }
      assertThrows(IOException.class, () -> HTTP.send(chat(emu, CHAT, Duration.ofSeconds(5)),
          HttpResponse.BodyHandlers.ofString()));
      assertEquals(2, emu.stats().resets());
      assertEquals(0, emu.stats().accepted(), "a reset call is not charged");
    }
  }

  @Test
  void truncatedBodyPromisesMoreThanItSends() throws Exception {
    try (OpenAiEmulator emu = start(FaultPlan.builder().truncatedBody(1).build(), 1_000)) {
      try (RawHttp c = new RawHttp(emu.port(), 5_000)) {
        c.send(RawHttp.post("/v1/chat/completions", "k", CHAT));
        IOException e = assertThrows(IOException.class, c::read);
        assertTrue(e.getMessage().startsWith("body ended after"), e.toString());
      }
      assertThrows(IOException.class, () -> HTTP.send(chat(emu, CHAT, Duration.ofSeconds(5)),
          HttpResponse.BodyHandlers.ofString()));
      EmulatorStats s = emu.stats();
      assertEquals(2, s.truncated());
      assertEquals(2, s.accepted(), "a truncated answer was admitted and charged");
      assertEquals(0, s.repeatedAfterSuccess(), "a truncated answer is not a success");
    }
  }

  @Test
  void hangSendsNothingThenCloses() throws Exception {
    try (OpenAiEmulator emu = start(FaultPlan.builder().hang(1).build(), 700)) {
      assertThrows(HttpTimeoutException.class, () -> HTTP.send(chat(emu, CHAT, Duration.ofMillis(200)),
          HttpResponse.BodyHandlers.ofString()));
      try (RawHttp c = new RawHttp(emu.port(), 5_000)) {
        long start = System.nanoTime();
        c.send(RawHttp.post("/v1/chat/completions", "k", CHAT));
        assertTrue(c.closedByServer(), "no byte before the close");
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms >= 650 && ms < 3_000, "closed after " + ms + " ms");
      }
      assertEquals(2, emu.stats().hangs());
    }
  }

  @Test
  void closeDropsHangingCalls() throws Exception {
    OpenAiEmulator emu = start(FaultPlan.builder().hang(1).build(), 60_000);
    try (RawHttp c = new RawHttp(emu.port(), 10_000)) {
      c.send(RawHttp.post("/v1/chat/completions", "k", CHAT));
      Thread.sleep(200);
      long start = System.nanoTime();
      emu.close();
      assertTrue(c.closedByServer());
      assertTrue(System.nanoTime() - start < 5_000_000_000L);
    }
  }

  @Test
  void repeatsAndDigestsAreCountedPerBodyAndKey() throws Exception {
    try (OpenAiEmulator emu = start(FaultPlan.none(), 1_000); RawHttp c = new RawHttp(emu.port(), 5_000)) {
      for (String key : new String[] {"key-a", "key-b", "key-b", "key-a"}) {
        c.send(RawHttp.post("/v1/chat/completions", key, CHAT));
        assertEquals(200, c.read().status());
      }
      assertEquals(2, emu.stats().repeatedAfterSuccess(), "the second call of each key repeats");
      assertEquals(Set.of(OpenAiEmulator.digest(CHAT)), emu.receivedDigests());
      emu.resetStats();
      assertEquals(Set.of(), emu.receivedDigests());
      c.send(RawHttp.post("/v1/chat/completions", "key-a", CHAT));
      c.read();
      assertEquals(0, emu.stats().repeatedAfterSuccess(), "a reset forgets what was answered");
    }
  }

  @Test
  void twoThousandSlowCallsInFlightCostNoThreads() throws Exception {
    Set<Long> before = new HashSet<>();
    Thread.getAllStackTraces().keySet().forEach(t -> before.add(t.getId()));
    int calls = 2_000;
    try (OpenAiEmulator emu = OpenAiEmulator.start(EmulatorConfig.builder().latency(LatencyModel.fixed(500)).build())) {
      // Plain sockets from one thread: the client costs next to nothing, so the time is the server's.
      List<RawHttp> connections = new ArrayList<>();
      try {
        for (int i = 0; i < calls; i++) {
          connections.add(new RawHttp(emu.port(), 10_000));
        }
        // A first, untimed round warms the JIT (the emulator's HTTP path is cold after start).
        round(connections, "warm");
        long start = System.nanoTime();
        for (int i = 0; i < calls; i++) {
          connections.get(i).send(RawHttp.post("/v1/chat/completions", "k", CHAT.replace("9", "9-" + i)));
        }
        Thread.sleep(250); // every call is in flight now, waiting out its latency
        int emulatorThreads = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
          if (!before.contains(t.getId()) && t.getName().startsWith("emulator-")) {
            emulatorThreads++;
          }
        }
        for (RawHttp c : connections) {
          assertEquals(200, c.read().status());
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(2 * calls, emu.stats().accepted());
        assertTrue(seconds < 0.9, calls + " calls of 500 ms took " + seconds + " s");
        assertTrue(emulatorThreads <= 4, emulatorThreads + " emulator threads for " + calls + " calls");
      } finally {
        for (RawHttp c : connections) {
          c.close();
        }
      }
    }
  }

  /** One call on each connection (kept alive for the next round). */
  private static void round(List<RawHttp> connections, String tag) throws IOException {
    for (int i = 0; i < connections.size(); i++) {
      connections.get(i).send(RawHttp.post("/v1/chat/completions", "k", CHAT.replace("9", tag + i)));
    }
    for (RawHttp c : connections) {
      assertEquals(200, c.read().status());
    }
  }
}
