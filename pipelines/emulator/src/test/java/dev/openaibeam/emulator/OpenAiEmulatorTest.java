package dev.openaibeam.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class OpenAiEmulatorTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}],\"max_tokens\":5}";

  private static HttpResponse<String> post(OpenAiEmulator emu, String path, String body, String key) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + emu.port() + path))
        .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      b.header(path.startsWith("/openai/") ? "api-key" : "Authorization", path.startsWith("/openai/") ? key : "Bearer " + key);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void answersEchoTheirRequest() throws Exception {
    try (OpenAiEmulator emu = OpenAiEmulator.start(EmulatorConfig.builder().build())) {
      HttpResponse<String> r = post(emu, "/v1/chat/completions", CHAT, "k");
      assertEquals(200, r.statusCode());
      JsonNode n = JSON.readTree(r.body());
      assertTrue(n.get("choices").get(0).get("message").get("content").asText()
          .startsWith("echo " + OpenAiEmulator.digest(CHAT) + ": Hello there"));
      assertTrue(n.get("usage").get("prompt_tokens").asInt() > 0);
      assertEquals(OpenAiEmulator.digest(CHAT), r.headers().firstValue("x-emulator-digest").get());
      assertTrue(r.headers().firstValue("x-request-id").get().startsWith("req_"));
      HttpResponse<String> azure = post(emu, "/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21",
          "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "k");
      assertEquals(200, azure.statusCode());
      assertEquals(404, post(emu, "/openai/deployments/gpt-4o-mini/chat/completions", CHAT, "k").statusCode());
      assertEquals(200, post(emu, "/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":[\"a\",\"b\"]}", "k").statusCode());
      assertEquals(200, post(emu, "/v1/responses", "{\"model\":\"gpt-4o\",\"input\":\"a\"}", "k").statusCode());
      assertEquals(200, post(emu, "/v1/completions", "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"a\"}", "k").statusCode());
    }
  }

  @Test
  void chunkedRequestBodies() throws Exception {
    try (OpenAiEmulator emu = OpenAiEmulator.start(EmulatorConfig.builder().build())) {
      // A publisher of unknown length: the JDK client sends the body chunked, in two chunks here.
      byte[] bytes = CHAT.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      int half = bytes.length / 2;
      HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + emu.port() + "/v1/chat/completions"))
          .timeout(Duration.ofSeconds(5))
          .header("Authorization", "Bearer k")
          .POST(HttpRequest.BodyPublishers.ofByteArrays(List.of(
              java.util.Arrays.copyOfRange(bytes, 0, half), java.util.Arrays.copyOfRange(bytes, half, bytes.length))))
          .build();
      HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
      assertEquals(OpenAiEmulator.digest(CHAT), r.headers().firstValue("x-emulator-digest").get());
      // The connection stays usable after a chunked body: the next call on it is answered too.
      assertEquals(200, post(emu, "/v1/chat/completions", CHAT, "k").statusCode());
    }
  }

  @Test
  void errorsLikeTheService() throws Exception {
    EmulatorConfig cfg = EmulatorConfig.builder().acceptedKeys(Set.of("sk-good-key-1234"))
        .quotaExhaustedKeys(Set.of("sk-broke")).tpm(100).windowSeconds(60).build();
    try (OpenAiEmulator emu = OpenAiEmulator.start(cfg)) {
      HttpResponse<String> bad = post(emu, "/v1/chat/completions", CHAT, "sk-wrong-key-5678");
      assertEquals(401, bad.statusCode());
      assertEquals("invalid_api_key", JSON.readTree(bad.body()).get("error").get("code").asText());
      assertFalse(bad.body().contains("sk-wrong-key-5678"), "the key is masked");
      assertEquals(401, post(emu, "/v1/chat/completions", CHAT, null).statusCode());
      assertEquals(404, post(emu, "/v1/nope", CHAT, "sk-good-key-1234").statusCode());
      assertEquals(400, post(emu, "/v1/chat/completions", "{oops", "sk-good-key-1234").statusCode());
      assertEquals(400, post(emu, "/v1/chat/completions", "{\"messages\":[]}", "sk-good-key-1234").statusCode());
      assertEquals(404, post(emu, "/v1/chat/completions", "{\"model\":\"missing-x\",\"messages\":[]}", "sk-good-key-1234").statusCode());
      HttpResponse<String> quota = post(emu, "/v1/chat/completions", CHAT, "sk-broke");
      assertEquals("insufficient_quota", JSON.readTree(quota.body()).get("error").get("code").asText());
      HttpResponse<String> large = post(emu, "/v1/chat/completions",
          "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":500}", "sk-good-key-1234");
      assertEquals(429, large.statusCode());
      assertTrue(JSON.readTree(large.body()).get("error").get("message").asText().startsWith("Request too large"));
      assertEquals(1, emu.stats().tooLarge());
    }
  }

  @Test
  void requestBucketWithRetryAfterAndHeaders() throws Exception {
    // 60 RPM, 10 s window: capacity 10, refill 1 per second (slow, so a slow machine cannot refill
    // much while the 15 calls go out).
    try (OpenAiEmulator emu = OpenAiEmulator.start(EmulatorConfig.builder().rpm(60).windowSeconds(10).build())) {
      int ok = 0;
      HttpResponse<String> limited = null;
      for (int i = 0; i < 15; i++) {
        HttpResponse<String> r = post(emu, "/v1/chat/completions", CHAT.replace("Hello", "Hello " + i), "k");
        if (r.statusCode() == 200) {
          ok++;
          assertEquals("60", r.headers().firstValue("x-ratelimit-limit-requests").get());
          assertTrue(r.headers().firstValue("x-ratelimit-reset-requests").get().matches("[0-9.]+(ms|s)"));
        } else {
          limited = r;
        }
      }
      assertTrue(ok >= 10 && ok <= 12, "accepted " + ok);
      assertEquals(429, limited.statusCode());
      assertEquals("requests", JSON.readTree(limited.body()).get("error").get("type").asText());
      long wait = Long.parseLong(limited.headers().firstValue("retry-after-ms").get());
      assertTrue(wait > 0 && wait <= 1000, "wait " + wait);
      Thread.sleep(wait + 5);
      assertEquals(200, post(emu, "/v1/chat/completions", CHAT, "k").statusCode());
      assertTrue(emu.stats().rateLimitedRequests() >= 3);
    }
  }

  @Test
  void tokenBucket() throws Exception {
    // 600 TPM, 10 s window: 100 tokens, refill 10 a second. Each call is charged about 15 + 5.
    try (OpenAiEmulator emu = OpenAiEmulator.start(EmulatorConfig.builder().tpm(600).windowSeconds(10).build())) {
      int ok = 0;
      for (int i = 0; i < 10; i++) {
        ok += post(emu, "/v1/chat/completions", CHAT, "k").statusCode() == 200 ? 1 : 0;
      }
      assertTrue(ok >= 4 && ok <= 7, "accepted " + ok);
      assertEquals(10 - ok, emu.stats().rateLimitedTokens());
      assertTrue(emu.stats().rateLimitedTokens() > 0);
    }
  }

  @Test
  void faultsAreSeededAndRetryable() throws Exception {
    EmulatorConfig cfg = EmulatorConfig.builder().hangMillis(1500)
        .faults(FaultPlan.builder().status500(0.2).status503(0.2).connectionReset(0.1).hang(0.05).truncatedBody(0.1).seed(5).build()).build();
    try (OpenAiEmulator emu = OpenAiEmulator.start(cfg)) {
      int ioErrors = 0;
      int timeouts = 0;
      for (int i = 0; i < 60; i++) {
        try {
          HttpRequest req = HttpRequest.newBuilder(URI.create(emu.baseUrl() + "/chat/completions"))
              .timeout(Duration.ofMillis(500)).header("Authorization", "Bearer k")
              .POST(HttpRequest.BodyPublishers.ofString(CHAT.replace("Hello", "H" + i))).build();
          HTTP.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
          timeouts++;
        } catch (IOException e) {
          ioErrors++;
        }
      }
      EmulatorStats s = emu.stats();
      assertTrue(s.faults500() > 0 && s.faults503() > 0 && s.resets() > 0 && s.truncated() > 0, s.toJson());
      assertEquals(s.resets() + s.truncated(), ioErrors, s.toJson());
      assertEquals(s.hangs(), timeouts, s.toJson());
      assertEquals(60, s.received());
    }
  }

  @Test
  void repeatedSuccessfulBodiesAreCounted() throws Exception {
    try (OpenAiEmulator emu = OpenAiEmulator.start(EmulatorConfig.builder().build())) {
      post(emu, "/v1/chat/completions", CHAT, "k");
      assertEquals(0, emu.stats().repeatedAfterSuccess());
      post(emu, "/v1/chat/completions", CHAT, "k");
      assertEquals(1, emu.stats().repeatedAfterSuccess());
      HttpResponse<String> stats = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + emu.port() + "/emulator/stats")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(1, JSON.readTree(stats.body()).get("repeated_after_success").asInt());
    }
  }

  @Test
  void thousandSlowCallsAtOnce() throws Exception {
    try (OpenAiEmulator emu = OpenAiEmulator.start(EmulatorConfig.builder().latency(LatencyModel.fixed(500)).build())) {
      long start = System.nanoTime();
      List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        all.add(HTTP.sendAsync(HttpRequest.newBuilder(URI.create(emu.baseUrl() + "/chat/completions"))
            .header("Authorization", "Bearer k").POST(HttpRequest.BodyPublishers.ofString(CHAT.replace("Hello", "H" + i))).build(),
            HttpResponse.BodyHandlers.ofString()));
      }
      for (CompletableFuture<HttpResponse<String>> f : all) {
        assertEquals(200, f.get().statusCode());
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      assertTrue(seconds < 10, "took " + seconds + " s (serialized calls would take 500 s)");
    }
  }

  @Test
  void argsAndGoDurations() {
    EmulatorConfig c = EmulatorConfig.fromArgs(new String[] {"--rpm=6000", "--tpm=10", "--window=60", "--latencyMs=200", "--fault500=0.05", "--keys=a,b"});
    assertEquals(6000, c.limits.rpm);
    assertEquals(60, c.windowSeconds);
    assertEquals(Set.of("a", "b"), c.acceptedKeys);
    assertThrows(IllegalArgumentException.class, () -> EmulatorConfig.fromArgs(new String[] {"--bogus=1"}));
    assertEquals("1s", GoDurationFormat.format(Duration.ofSeconds(1)));
    assertEquals("6m0s", GoDurationFormat.format(Duration.ofMinutes(6)));
    assertEquals("12ms", GoDurationFormat.format(Duration.ofMillis(12)));
    assertEquals("1.5s", GoDurationFormat.format(Duration.ofMillis(1500)));
    assertEquals("2m30.25s", GoDurationFormat.format(Duration.ofMillis(150_250)));
    assertEquals("0s", GoDurationFormat.format(Duration.ZERO));
  }
}
