package dev.openaibeam.connection;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import dev.openaibeam.api.ApiError;
import dev.openaibeam.api.HopelessApiException;
import dev.openaibeam.transport.Backoff;
import dev.openaibeam.transport.BlockingCaller;
import dev.openaibeam.transport.CallFailedException;
import dev.openaibeam.transport.CallOutcome;
import dev.openaibeam.transport.HttpTransport;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Reads one Secret Manager secret version over the REST API ({@code GET
 * v1/{name}:access}) with Google credentials: application-default credentials (on Dataflow, the
 * worker's service account) or a credentials JSON file. Uses google-auth-library, which Beam's GCP
 * core extension already brings, and the project's one HTTP transport (with its retries on 429,
 * 5xx and transport errors) instead of the gRPC Secret Manager client. Messages name the secret,
 * never its value.
 */
public final class GcpSecretReader {
  public static final String DEFAULT_URL = "https://secretmanager.googleapis.com";
  private static final String SCOPE = "https://www.googleapis.com/auth/cloud-platform";
  private static final Pattern VERSION_NAME =
      Pattern.compile("projects/[^/]+/secrets/[^/]+/versions/[^/]+");
  private static final int ATTEMPTS = 3;
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final Backoff RETRY_WAITS = Backoff.standard().withInitial(Duration.ofSeconds(1));
  // Every calling DoFn instance resolves its key in @Setup: one read per worker JVM and version
  // every few minutes, not one per instance (a rotated "latest" is picked up within the TTL).
  private static final Cache<String, String> KEYS =
      CacheBuilder.newBuilder().expireAfterWrite(Duration.ofMinutes(10)).maximumSize(64).build();

  private GcpSecretReader() {}

  /** Whether {@code name} looks like {@code projects/P/secrets/S/versions/V}. */
  public static boolean isVersionName(String name) {
    return name != null && VERSION_NAME.matcher(name).matches();
  }

  /**
   * The secret's payload as text, trimmed.
   *
   * @param versionName {@code projects/P/secrets/S/versions/latest} (or a version number)
   * @param baseUrl Secret Manager's URL ({@link #DEFAULT_URL}; a local fake in tests)
   * @param credentialsFile a credentials JSON, or null for application-default credentials
   */
  public static String access(String versionName, String baseUrl, @Nullable String credentialsFile) {
    if (!isVersionName(versionName)) {
      throw new IllegalArgumentException(
          "not a secret version name (projects/P/secrets/S/versions/V): " + versionName);
    }
    String cacheKey = versionName + "|" + baseUrl + "|" + credentialsFile;
    String cached = KEYS.getIfPresent(cacheKey);
    if (cached != null) {
      return cached;
    }
    String key = read(versionName, baseUrl, credentialsFile);
    KEYS.put(cacheKey, key);
    return key;
  }

  private static String read(String versionName, String baseUrl, @Nullable String credentialsFile) {
    String token;
    try {
      token = accessToken(credentialsFile);
    } catch (IOException e) {
      throw new IllegalStateException("no API key: no Google credentials to read " + versionName + ": " + e, e);
    }
    URI uri = URI.create(trimSlash(baseUrl) + "/v1/" + versionName + ":access");
    CallOutcome answer;
    try (HttpTransport transport = HttpTransport.create(TIMEOUT, TIMEOUT, 1, token)) {
      answer =
          new BlockingCaller(transport, RETRY_WAITS, ATTEMPTS)
              .call(
                  "read secret " + versionName,
                  () -> {
                    SimpleHttpRequest r = SimpleRequestBuilder.get(uri).build();
                    r.setHeader("Authorization", "Bearer " + token);
                    return r;
                  },
                  HttpTransport.Expect.JSON_OBJECT);
    } catch (CallFailedException e) {
      throw refused(versionName, e.getError(), e);
    } catch (HopelessApiException e) { // a 401: the credentials, not an OpenAI key, were refused
      throw refused(versionName, e.getError(), e);
    }
    JsonNode data = answer.json().path("payload").path("data");
    if (!data.isTextual()) {
      throw new IllegalStateException("no API key: no payload in secret " + versionName);
    }
    String key = new String(Base64.getDecoder().decode(data.asText()), StandardCharsets.UTF_8).trim();
    if (key.isEmpty()) {
      throw new IllegalStateException("no API key: secret " + versionName + " is empty");
    }
    return key;
  }

  private static IllegalStateException refused(String versionName, ApiError error, RuntimeException cause) {
    String what = error.getStatus() == null ? error.getMessage() : "HTTP " + error.getStatus();
    return new IllegalStateException(
        "no API key: Secret Manager answered " + what + " for " + versionName, cause);
  }

  private static String accessToken(@Nullable String credentialsFile) throws IOException {
    GoogleCredentials credentials;
    if (credentialsFile == null || credentialsFile.isEmpty()) {
      credentials = GoogleCredentials.getApplicationDefault();
    } else {
      try (InputStream in = Files.newInputStream(Path.of(credentialsFile))) {
        credentials = GoogleCredentials.fromStream(in);
      }
    }
    credentials = credentials.createScoped(List.of(SCOPE));
    credentials.refreshIfExpired();
    return credentials.getAccessToken().getTokenValue();
  }

  private static String trimSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}
