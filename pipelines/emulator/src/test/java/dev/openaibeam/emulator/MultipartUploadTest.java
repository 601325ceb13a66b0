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
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code POST /v1/files} forms as Netty's multipart decoder reads them. */
class MultipartUploadTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static OpenAiEmulator emu;

  @BeforeAll
  static void start() throws Exception {
    emu = OpenAiEmulator.start(EmulatorConfig.builder().build());
  }

  @AfterAll
  static void stop() {
    emu.close();
  }

  private static String line(String id, String content) {
    return "{\"custom_id\":\"" + id + "\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":"
        + "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"" + content + "\"}],\"max_tokens\":4}}";
  }

  private static String part(String boundary, String disposition, String type, String value) {
    return "--" + boundary + "\r\nContent-Disposition: form-data; " + disposition + "\r\n"
        + (type == null ? "" : "Content-Type: " + type + "\r\n") + "\r\n" + value + "\r\n";
  }

  private static HttpResponse<String> upload(String contentType, List<byte[]> pieces) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(emu.baseUrl() + "/files"))
        .header("Authorization", "Bearer k").header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofByteArrays(pieces)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> upload(String contentType, String body) throws Exception {
    return upload(contentType, List.of(body.getBytes(StandardCharsets.UTF_8)));
  }

  private static String content(String fileId) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(emu.baseUrl() + "/files/" + fileId + "/content"))
        .header("Authorization", "Bearer k").build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  @Test
  void fileWithBoundaryLookalikesUnicodeAndQuotedBoundary() throws Exception {
    // "--b-1" inside a line is data, not a delimiter: only CRLF + "--" + boundary is.
    String jsonl = line("a", "see --b-1 and --b-1-- here, ünïcødé ✓") + "\n" + line("b", "y") + "\n";
    String body = part("b-1", "name=\"file\"; filename=\"in put.jsonl\"", "application/jsonl", jsonl)
        + part("b-1", "name=\"purpose\"", null, "batch") + "--b-1--\r\n";
    HttpResponse<String> r = upload("multipart/form-data; boundary=\"b-1\"; charset=utf-8", body);
    assertEquals(200, r.statusCode(), r.body());
    JsonNode file = JSON.readTree(r.body());
    assertEquals("in put.jsonl", file.get("filename").asText());
    assertEquals(jsonl.getBytes(StandardCharsets.UTF_8).length, file.get("bytes").asLong());
    assertEquals(jsonl, content(file.get("id").asText()));
  }

  @Test
  void chunkedUploadInSmallPieces() throws Exception {
    StringBuilder jsonl = new StringBuilder();
    for (int i = 0; i < 2_000; i++) {
      jsonl.append(line("row-" + i, "question " + i)).append('\n');
    }
    byte[] body = (part("XyZ", "name=\"purpose\"", null, "batch")
        + part("XyZ", "name=\"file\"; filename=\"big.jsonl\"", "application/jsonl", jsonl.toString())
        + "--XyZ--\r\n").getBytes(StandardCharsets.UTF_8);
    List<byte[]> pieces = new ArrayList<>();
    for (int at = 0; at < body.length; at += 8_191) { // sizes unknown up front: sent chunked
      pieces.add(java.util.Arrays.copyOfRange(body, at, Math.min(body.length, at + 8_191)));
    }
    HttpResponse<String> r = upload("multipart/form-data; boundary=XyZ", pieces);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(jsonl.toString(), content(JSON.readTree(r.body()).get("id").asText()));
  }

  @Test
  void formsThatAreRefused() throws Exception {
    String file = part("XyZ", "name=\"file\"; filename=\"in.jsonl\"", null, line("a", "x"));
    long rejectedBefore = emu.batchStats().uploadsRejected();
    HttpResponse<String> noPurpose = upload("multipart/form-data; boundary=XyZ", file + "--XyZ--\r\n");
    assertEquals(400, noPurpose.statusCode());
    assertEquals("purpose", JSON.readTree(noPurpose.body()).get("error").get("param").asText());
    HttpResponse<String> noFile = upload("multipart/form-data; boundary=XyZ",
        part("XyZ", "name=\"purpose\"", null, "batch") + "--XyZ--\r\n");
    assertEquals("file", JSON.readTree(noFile.body()).get("error").get("param").asText());
    HttpResponse<String> notMultipart = upload("application/json", "{}");
    assertTrue(notMultipart.body().contains("Expected a multipart/form-data body"), notMultipart.body());
    HttpResponse<String> unterminated = upload("multipart/form-data; boundary=XyZ",
        part("XyZ", "name=\"purpose\"", null, "batch") + "--XyZ\r\nContent-Disposition: form-data; name=\"file\"");
    assertEquals(400, unterminated.statusCode(), unterminated.body());
    assertEquals(4, emu.batchStats().uploadsRejected() - rejectedBefore);
  }
}
