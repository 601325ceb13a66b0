package dev.openaibeam.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openaibeam.engine.frontdoor.FrontDoor;
import dev.openaibeam.engine.frontdoor.FrontDoorConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * The front door alone, on a real broker with no pipeline behind it: requests are published with
 * their ids, the queue beyond what the budget serves in time is refused with 429 and retry-after,
 * and at a stop every waiting request gets an answer (503), none is dropped silently.
 */
class FrontDoorTest {
  private static final String CHAT =
      "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  @Test
  void givenQueueLongerThanBudgetServesInTime_answers429WithRetryAfter_andNeverDropsSilently()
      throws Exception {
    KafkaBroker broker = KafkaBroker.shared();
    EngineTopics.ensure(broker.bootstrap(), 1, "fd-requests", "fd-results", "fd-failures");
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    List<CompletableFuture<HttpResponse<String>>> waiting = new ArrayList<>();
    // 60 RPM and 3 s of queue: 3 requests wait, the 4th is refused.
    FrontDoor door = FrontDoor.start(new FrontDoorConfig(0, broker.bootstrap(), "fd-requests",
        "fd-results", "fd-failures", 1_000, 3, 60, 600), Map::of, () -> null, () -> null);
    try {
      URI chat = URI.create("http://127.0.0.1:" + door.port() + "/v1/chat/completions");
      for (int i = 0; i < 3; i++) {
        waiting.add(http.sendAsync(HttpRequest.newBuilder(chat)
            .header("authorization", "Bearer sk-client-key-never-published")
            .POST(HttpRequest.BodyPublishers.ofString(CHAT)).build(), HttpResponse.BodyHandlers.ofString()));
      }
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (door.queueLength() < 3 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      HttpResponse<String> refused = http.send(HttpRequest.newBuilder(chat)
          .POST(HttpRequest.BodyPublishers.ofString(CHAT)).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(429, refused.statusCode(), refused.body());
      assertEquals("1", refused.headers().firstValue("retry-after").orElse(""));
      assertTrue(refused.body().contains("rate_limit_exceeded"), refused.body());

      HttpResponse<String> noModel = http.send(HttpRequest.newBuilder(chat)
          .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(400, noModel.statusCode());
      HttpResponse<String> health = http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + door.port() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, health.statusCode());
      assertTrue(health.body().contains("\"queue_length\":3"), health.body());
      String metrics = door.metrics().scrape();
      assertTrue(metrics.contains("openai_beam_frontdoor_429_total 1.0"), metrics);

      List<ConsumerRecord<String, String>> published =
          broker.consume("fd-requests", 3, Duration.ofSeconds(30));
      assertEquals(3, published.size());
      for (ConsumerRecord<String, String> r : published) {
        assertTrue(r.value().contains("\"custom_id\":\"" + r.key() + "\""), r.value());
        assertTrue(!r.value().contains("sk-client-key"), "the client's key is never published");
      }
    } finally {
      door.close();
    }
    for (CompletableFuture<HttpResponse<String>> f : waiting) {
      HttpResponse<String> r = f.get();
      assertEquals(503, r.statusCode(), r.body());
      assertTrue(r.body().contains("engine_stopping"), r.body());
    }
  }
}
