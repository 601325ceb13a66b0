package dev.openaibeam.http;

import java.io.Serializable;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/** Where and how to connect; immutable, serializable, and free of secrets. */
public final class HttpSettings implements Serializable {
  private final String baseUrl;
  private final ApiStyle apiStyle;
  private final String azureApiVersion;
  private final Duration connectTimeout;
  private final Duration requestTimeout;
  private final LinkedHashMap<String, String> headers;

  private HttpSettings(
      String baseUrl,
      ApiStyle apiStyle,
      String azureApiVersion,
      Duration connectTimeout,
      Duration requestTimeout,
      LinkedHashMap<String, String> headers) {
    this.baseUrl = stripSlash(Objects.requireNonNull(baseUrl, "baseUrl"));
    this.apiStyle = apiStyle;
    this.azureApiVersion = azureApiVersion;
    this.connectTimeout = connectTimeout;
    this.requestTimeout = requestTimeout;
    this.headers = headers;
  }

  public static HttpSettings of(String baseUrl) {
    return new HttpSettings(
        baseUrl, ApiStyle.OPENAI, "2024-10-21", Duration.ofSeconds(10), Duration.ofMinutes(10),
        new LinkedHashMap<>());
  }

  public HttpSettings withBaseUrl(String url) {
    return new HttpSettings(url, apiStyle, azureApiVersion, connectTimeout, requestTimeout, headers);
  }

  public HttpSettings withApiStyle(ApiStyle style) {
    return new HttpSettings(baseUrl, style, azureApiVersion, connectTimeout, requestTimeout, headers);
  }

  public HttpSettings withAzureApiVersion(String v) {
    return new HttpSettings(baseUrl, apiStyle, v, connectTimeout, requestTimeout, headers);
  }

  public HttpSettings withConnectTimeout(Duration d) {
    return new HttpSettings(baseUrl, apiStyle, azureApiVersion, d, requestTimeout, headers);
  }

  public HttpSettings withRequestTimeout(Duration d) {
    return new HttpSettings(baseUrl, apiStyle, azureApiVersion, connectTimeout, d, headers);
  }

  /** An extra header such as {@code OpenAI-Organization}; never put a secret here. */
  public HttpSettings withHeader(String name, String value) {
    LinkedHashMap<String, String> h = new LinkedHashMap<>(headers);
    h.put(name, value);
    return new HttpSettings(baseUrl, apiStyle, azureApiVersion, connectTimeout, requestTimeout, h);
  }

  public String getBaseUrl() {
    return baseUrl;
  }

  public ApiStyle getApiStyle() {
    return apiStyle;
  }

  public String getAzureApiVersion() {
    return azureApiVersion;
  }

  public Duration getConnectTimeout() {
    return connectTimeout;
  }

  public Duration getRequestTimeout() {
    return requestTimeout;
  }

  public Map<String, String> getHeaders() {
    return Collections.unmodifiableMap(headers);
  }

  /** The URL of {@code endpoint} (e.g. {@code /v1/embeddings}) for {@code model}. */
  public URI uriFor(String endpoint, String model) {
    String path = endpoint.startsWith("/") ? endpoint : "/" + endpoint;
    if (apiStyle == ApiStyle.AZURE) {
      String op = path.startsWith("/v1/") ? path.substring(4) : path.substring(1);
      return URI.create(baseUrl + "/openai/deployments/"
          + pathSegment(model) + "/" + op
          + "?api-version=" + URLEncoder.encode(azureApiVersion, StandardCharsets.UTF_8));
    }
    if (baseUrl.endsWith("/v1") && path.startsWith("/v1/")) {
      path = path.substring(3);
    }
    return URI.create(baseUrl + path);
  }

  /** URLEncoder encodes for forms: a space must be %20, not +, in a path. */
  private static String pathSegment(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String stripSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  @Override
  public String toString() {
    return "HttpSettings{" + baseUrl + ", " + apiStyle + "}";
  }
}
