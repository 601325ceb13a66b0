package dev.openaibeam.cloud;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import com.google.auth.oauth2.GoogleCredentials;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Reads one Secret Manager secret version over the REST API ({@code GET
 * v1/{name}:access}) with Google credentials: application-default credentials (on Dataflow, the
 * worker's service account) or a credentials JSON file. Uses google-auth-library, which Beam's GCP
 * core extension already brings, and the JDK's HTTP client instead of the gRPC Secret Manager
 * client. Messages name the secret, never its value.
 */
public final class GcpSecretReader {
  public static final String DEFAULT_URL = "https://secretmanager.googleapis.com";
  private static final String SCOPE = "https://www.googleapis.com/auth/cloud-platform";
  private static final Pattern VERSION_NAME =
      Pattern.compile("projects/[^/]+/secrets/[^/]+/versions/[^/]+");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int ATTEMPTS = 3;
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
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
    for (int attempt = 1; ; attempt++) {
      try {
        String key = read(versionName, baseUrl, credentialsFile);
        KEYS.put(cacheKey, key);
        return key;
      } catch (TransientSecretError e) {
        if (attempt >= ATTEMPTS) {
          throw new IllegalStateException(e.getMessage() + " (after " + attempt + " attempts)", e);
        }
        sleepMillis(1000L << (attempt - 1));
      }
    }
  }

  /** A failure worth another try: a transport error, 429 or 5xx. */
  private static final class TransientSecretError extends Exception {
    TransientSecretError(String message, @Nullable Throwable cause) {
      super(message, cause);
    }
  }

  private static String read(String versionName, String baseUrl, @Nullable String credentialsFile)
      throws TransientSecretError {
    try {
      String token = accessToken(credentialsFile);
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(trimSlash(baseUrl) + "/v1/" + versionName + ":access"))
              .timeout(Duration.ofSeconds(30))
              .header("Authorization", "Bearer " + token)
              .GET()
              .build();
      HttpResponse<String> response =
          HTTP.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      if (response.statusCode() == 429 || response.statusCode() >= 500) {
        throw new TransientSecretError(
            "no API key: Secret Manager answered HTTP " + response.statusCode() + " for " + versionName, null);
      }
      if (response.statusCode() != 200) {
        throw new IllegalStateException(
            "no API key: Secret Manager answered HTTP " + response.statusCode() + " for " + versionName);
      }
      JsonNode data = JSON.readTree(response.body()).path("payload").path("data");
      if (!data.isTextual()) {
        throw new IllegalStateException("no API key: no payload in secret " + versionName);
      }
      String key = new String(Base64.getDecoder().decode(data.asText()), StandardCharsets.UTF_8).trim();
      if (key.isEmpty()) {
        throw new IllegalStateException("no API key: secret " + versionName + " is empty");
      }
      return key;
    } catch (IOException e) {
      throw new TransientSecretError("no API key: cannot read secret " + versionName + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("no API key: interrupted reading secret " + versionName, e);
    }
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

  private static void sleepMillis(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted reading a secret", e);
    }
  }

  private static String trimSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}
