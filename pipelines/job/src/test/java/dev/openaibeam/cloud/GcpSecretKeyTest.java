package dev.openaibeam.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.api.ApiResult;
import dev.openaibeam.call.OpenAiCall;
import dev.openaibeam.connection.ApiKeySource;
import dev.openaibeam.connection.OpenAiConnection;
import dev.openaibeam.emulator.EmulatorConfig;
import dev.openaibeam.emulator.LatencyModel;
import dev.openaibeam.emulator.OpenAiEmulator;
import dev.openaibeam.pipeline.OpenAiBeamOptions;
import dev.openaibeam.pipeline.OpenAiBeamPipeline;
import dev.openaibeam.testing.Requests;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The key from Secret Manager: a fake Secret Manager and OAuth token endpoint on 127.0.0.1, a
 * service-account credentials file whose token_uri points at it, and the emulator accepting only
 * the secret's value. The key is fetched when the workers start, not when the pipeline is built,
 * and is in neither the serialized transform nor its display data.
 */
@Tag("cloud")
@ExtendWith(TestPipelineExtension.class)
class GcpSecretKeyTest {
  private static final String KEY = "sk-from-secret-manager-27182";
  private static final String SECRET = "projects/test-project/secrets/openai-key/versions/latest";
  private static final String TOKEN = "ya29.fake-access-token";

  private HttpServer fake;
  private final AtomicInteger tokenRequests = new AtomicInteger();
  private final AtomicInteger secretReads = new AtomicInteger();
  private final AtomicInteger flakyReads = new AtomicInteger();
  private static final String FLAKY = "projects/test-project/secrets/flaky/versions/1";
  private final AtomicInteger unauthorized = new AtomicInteger();
  @TempDir Path dir;

  @BeforeEach
  void startFakeSecretManager() throws IOException {
    fake = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    fake.createContext("/token", ex -> {
      tokenRequests.incrementAndGet();
      reply(ex, 200, "{\"access_token\":\"" + TOKEN + "\",\"expires_in\":3600,\"token_type\":\"Bearer\"}");
    });
    fake.createContext("/v1/", ex -> {
      if (!("Bearer " + TOKEN).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
        unauthorized.incrementAndGet();
        reply(ex, 401, "{\"error\":{\"code\":401}}");
      } else if (ex.getRequestURI().getPath().equals("/v1/" + FLAKY + ":access")
          && flakyReads.incrementAndGet() == 1) {
        reply(ex, 503, "{\"error\":{\"code\":503,\"status\":\"UNAVAILABLE\"}}");
      } else if (ex.getRequestURI().getPath().equals("/v1/" + SECRET + ":access")
          || ex.getRequestURI().getPath().equals("/v1/" + FLAKY + ":access")) {
        secretReads.incrementAndGet();
        String data = Base64.getEncoder().encodeToString((KEY + "\n").getBytes(StandardCharsets.UTF_8));
        reply(ex, 200, "{\"name\":\"projects/test-project/secrets/openai-key/versions/3\","
            + "\"payload\":{\"data\":\"" + data + "\"}}");
      } else {
        reply(ex, 404, "{\"error\":{\"code\":404,\"status\":\"NOT_FOUND\"}}");
      }
    });
    fake.start();
  }

  @AfterEach
  void stopFake() {
    fake.stop(0);
  }

  private String fakeUrl() {
    return "http://127.0.0.1:" + fake.getAddress().getPort();
  }

  private static void reply(HttpExchange ex, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, bytes.length);
    ex.getResponseBody().write(bytes);
    ex.close();
  }

  /** A service-account credentials file with a fresh RSA key, exchanging tokens at the fake. */
  private String credentialsFile() throws Exception {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
    gen.initialize(2048);
    String pem = "-----BEGIN PRIVATE KEY-----\\n"
        + Base64.getEncoder().encodeToString(gen.generateKeyPair().getPrivate().getEncoded())
        + "\\n-----END PRIVATE KEY-----\\n";
    Path f = dir.resolve("sa.json");
    Files.writeString(f, "{\"type\":\"service_account\",\"project_id\":\"test-project\","
        + "\"private_key_id\":\"k1\",\"private_key\":\"" + pem + "\","
        + "\"client_email\":\"worker@test-project.iam.gserviceaccount.com\",\"client_id\":\"1\","
        + "\"token_uri\":\"" + fakeUrl() + "/token\"}");
    return f.toString();
  }

  private static String serialized(Object o) {
    return dev.openaibeam.testing.Serialized.text(o);
  }

  @Test
  void keyIsReadOnTheWorkersAndNeverSerialized(TestPipeline p) throws Exception {
    ApiKeySource source =
        ApiKeySource.fromGcpSecret(SECRET).withSecretManagerUrl(fakeUrl()).withGcpCredentialsFile(credentialsFile());
    try (OpenAiEmulator emu = OpenAiEmulator.start(
        EmulatorConfig.builder().acceptedKeys(Set.of(KEY)).latency(LatencyModel.fixed(2)).build())) {
      OpenAiCall call = OpenAiCall.of(OpenAiConnection.to(emu.baseUrl()).withApiKey(source));
      List<ApiRequest> rows = Requests.chats(20, 5);
      ApiResult result = p.apply(Create.of(rows)).apply(call);
      PAssert.thatSingleton(result.getResponses().apply("CountResponses", Count.globally())).isEqualTo(20L);
      PAssert.that(result.getFailures()).empty();

      assertFalse(serialized(call).contains(KEY), "the transform serialized the key");
      String display = DisplayData.from(call).toString();
      assertFalse(display.contains(KEY), display);
      assertTrue(display.contains("gcp-secret:" + SECRET), display);
      assertEquals(0, secretReads.get(), "the secret was read while building the pipeline");

      p.run().waitUntilFinish();
    }
    assertTrue(secretReads.get() >= 1, "the workers never read the secret");
    assertTrue(tokenRequests.get() >= 1, "no OAuth token was requested");
    assertEquals(0, unauthorized.get());
    System.out.println("secret reads " + secretReads.get() + ", token requests " + tokenRequests.get());
  }

  @Test
  void failuresNameTheSecretNotAValue() throws Exception {
    String missing = "projects/test-project/secrets/other/versions/1";
    ApiKeySource source = ApiKeySource.fromGcpSecret(missing)
        .withSecretManagerUrl(fakeUrl()).withGcpCredentialsFile(credentialsFile());
    IllegalStateException e = assertThrows(IllegalStateException.class, source::resolve);
    assertTrue(e.getMessage().contains("HTTP 404") && e.getMessage().contains(missing), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ApiKeySource.fromGcpSecret("openai-key"));
    assertEquals(KEY, ApiKeySource.fromGcpSecret(SECRET)
        .withSecretManagerUrl(fakeUrl()).withGcpCredentialsFile(credentialsFile()).resolve());
  }

  @Test
  void aTransientErrorIsRetriedAndTheKeyIsReadOncePerWorker() throws Exception {
    ApiKeySource source = ApiKeySource.fromGcpSecret(FLAKY)
        .withSecretManagerUrl(fakeUrl()).withGcpCredentialsFile(credentialsFile());
    assertEquals(KEY, source.resolve(), "a 503 is retried");
    assertEquals(2, flakyReads.get());
    assertEquals(KEY, source.resolve());
    assertEquals(2, flakyReads.get(), "another instance on this worker reads the secret again");
  }

  @Test
  void cliOptionSelectsTheSecret() {
    PipelineOptionsFactory.register(OpenAiBeamOptions.class);
    OpenAiBeamOptions o = PipelineOptionsFactory.fromArgs(
            "--input=in.jsonl", "--apiKeyFile=/not/used", "--apiKeySecret=" + SECRET,
            "--secretManagerUrl=" + fakeUrl())
        .as(OpenAiBeamOptions.class);
    String display = DisplayData.from(OpenAiBeamPipeline.callFrom(o)).toString();
    assertTrue(display.contains("gcp-secret:" + SECRET + " at " + fakeUrl()), display);
    assertEquals(0, secretReads.get(), "building the transform read the secret");
  }
}
