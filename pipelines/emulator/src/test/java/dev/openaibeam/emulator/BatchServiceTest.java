package dev.openaibeam.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The emulator's Files and Batches endpoints over plain HTTP. */
class BatchServiceTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static OpenAiEmulator emu;

  @BeforeAll
  static void start() throws Exception {
    emu = OpenAiEmulator.start(EmulatorConfig.builder().acceptedKeys(Set.of("k1")).build());
  }

  @AfterAll
  static void stop() {
    emu.close();
  }

  private static String line(String id, String content) {
    return "{\"custom_id\":\"" + id + "\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":"
        + "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"" + content + "\"}],\"max_tokens\":4}}";
  }

  private static HttpResponse<String> upload(String key, String content) throws Exception {
    String b = "XyZ";
    String body = "--" + b + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--" + b
        + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\n\r\n" + content
        + "\r\n--" + b + "--\r\n";
    return HTTP.send(HttpRequest.newBuilder(URI.create(emu.baseUrl() + "/files"))
        .header("Authorization", "Bearer " + key)
        .header("Content-Type", "multipart/form-data; boundary=" + b)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode call(String method, String path, String body) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(emu.baseUrl() + path)).header("Authorization", "Bearer k1");
    r = method.equals("GET") ? r.GET() : r.POST(HttpRequest.BodyPublishers.ofString(body == null ? "" : body));
    HttpResponse<String> resp = HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, resp.statusCode(), resp.body());
    return path.endsWith("/content") ? JSON.createObjectNode().put("text", resp.body()) : JSON.readTree(resp.body());
  }

  private static JsonNode waitFor(String id, String status) throws Exception {
    for (int i = 0; i < 200; i++) {
      JsonNode b = call("GET", "/batches/" + id, null);
      if (b.get("status").asText().equals(status)) {
        return b;
      }
      Thread.sleep(25);
    }
    throw new AssertionError("batch " + id + " never reached " + status);
  }

  @Test
  void uploadsAreValidatedLineByLine() throws Exception {
    assertEquals(401, upload("wrong", line("a", "x")).statusCode());
    HttpResponse<String> dup = upload("k1", line("a", "x") + "\n" + line("a", "y"));
    assertEquals(400, dup.statusCode());
    assertTrue(dup.body().contains("line 2") && dup.body().contains("unique"), dup.body());
    HttpResponse<String> get = upload("k1", line("a", "x").replace("\"POST\"", "\"GET\""));
    assertEquals(400, get.statusCode());
    HttpResponse<String> url = upload("k1", line("a", "x").replace("/v1/chat/completions", "/v1/images"));
    assertEquals(400, url.statusCode());
    String content = line("a", "x") + "\n" + line("b", "y") + "\n";
    HttpResponse<String> ok = upload("k1", content);
    assertEquals(200, ok.statusCode(), ok.body());
    JsonNode file = JSON.readTree(ok.body());
    assertEquals(content.getBytes(java.nio.charset.StandardCharsets.UTF_8).length, file.get("bytes").asLong());
    assertEquals("batch", file.get("purpose").asText());
    assertEquals(file.get("bytes").asLong(), call("GET", "/files/" + file.get("id").asText(), null).get("bytes").asLong());
  }

  @Test
  void aBatchRunsToCompletionWithTheOnlineAnswers() throws Exception {
    String fileId = JSON.readTree(upload("k1", line("a", "x") + "\n" + line("b", "y")).body()).get("id").asText();
    JsonNode created = call("POST", "/batches", "{\"input_file_id\":\"" + fileId
        + "\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\",\"metadata\":{\"k\":\"v\"}}");
    assertEquals("validating", created.get("status").asText());
    JsonNode done = waitFor(created.get("id").asText(), "completed");
    assertEquals(2, done.get("request_counts").get("completed").asInt());
    assertEquals("v", done.get("metadata").get("k").asText());
    String out = call("GET", "/files/" + done.get("output_file_id").asText() + "/content", null).get("text").asText();
    String body = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":4}";
    assertTrue(out.contains("echo " + OpenAiEmulator.digest(body)), out);
    boolean listed = false;
    for (JsonNode b : call("GET", "/batches?limit=100", null).get("data")) {
      listed |= b.get("id").asText().equals(done.get("id").asText());
    }
    assertTrue(listed);
  }

  @Test
  void cancelEndsWithCancelledLines() throws Exception {
    emu.setBatchBehaviour(BatchBehaviour.defaults().with("inProgressMs", "2000"));
    try {
      String fileId = JSON.readTree(upload("k1", line("a", "x") + "\n" + line("b", "y")).body()).get("id").asText();
      String id = call("POST", "/batches", "{\"input_file_id\":\"" + fileId
          + "\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}").get("id").asText();
      waitFor(id, "in_progress");
      assertEquals("cancelling", call("POST", "/batches/" + id + "/cancel", null).get("status").asText());
      JsonNode b = waitFor(id, "cancelled");
      String errors = call("GET", "/files/" + b.get("error_file_id").asText() + "/content", null).get("text").asText();
      assertEquals(2, errors.split("\n").length);
      assertTrue(errors.contains("batch_cancelled"), errors);
    } finally {
      emu.setBatchBehaviour(BatchBehaviour.defaults());
    }
  }
}
