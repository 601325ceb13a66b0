package dev.openaibeam.connection;

import com.google.auto.value.AutoValue;
import com.google.common.base.Preconditions;
import com.google.common.base.Strings;
import com.google.common.collect.ImmutableMap;
import java.io.Serializable;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Where calls go and who pays for them: the base URL, the API style (OpenAI and compatibles, or
 * Azure OpenAI), where the key comes from, extra headers, and the timeouts. Every transform that
 * talks to the service ({@code OpenAiCall}, {@code OpenAiBatch}, {@code OpenAiEnrichment} through
 * its call) takes one, whole, as Beam's {@code JdbcIO} takes a {@code DataSourceConfiguration}.
 * Immutable and serializable; it holds where the key comes from, never the key.
 *
 * <pre>{@code
 * OpenAiConnection openAi = OpenAiConnection.openAi()                  // https://api.openai.com/v1
 *     .withApiKey(ApiKeySource.fromEnv("OPENAI_API_KEY"));
 * OpenAiConnection vllm = OpenAiConnection.to("http://localhost:8000/v1")
 *     .withApiKey(ApiKeySource.none());
 * OpenAiConnection azure = OpenAiConnection.to("https://my-resource.openai.azure.com")
 *     .withAzure("2024-10-21")
 *     .withApiKey(ApiKeySource.fromEnv("AZURE_OPENAI_API_KEY"));
 * }</pre>
 */
@AutoValue
public abstract class OpenAiConnection implements Serializable {
  public static final String OPENAI_BASE_URL = "https://api.openai.com/v1";
  /** The headers that choose whose budget a call spends (OpenAI's organization and project). */
  public static final String ORGANIZATION_HEADER = "OpenAI-Organization";
  public static final String PROJECT_HEADER = "OpenAI-Project";
  private static final String DEFAULT_AZURE_API_VERSION = "2024-10-21";

  /** https://api.openai.com/v1 with the key in {@code OPENAI_API_KEY}. */
  public static OpenAiConnection openAi() {
    return to(OPENAI_BASE_URL);
  }

  /** Any OpenAI-compatible base URL, with the key in {@code OPENAI_API_KEY}. */
  public static OpenAiConnection to(String baseUrl) {
    return new AutoValue_OpenAiConnection.Builder()
        .setBaseUrl(stripSlash(baseUrl))
        .setApiStyle(ApiStyle.OPENAI)
        .setAzureApiVersion(DEFAULT_AZURE_API_VERSION)
        .setKeySource(ApiKeySource.fromEnv("OPENAI_API_KEY"))
        .setHeaders(ImmutableMap.of())
        .setOrganization(null)
        .setProject(null)
        .setConnectTimeout(Duration.ofSeconds(10))
        .setRequestTimeout(Duration.ofMinutes(10))
        .build();
  }

  public abstract String getBaseUrl();

  public abstract ApiStyle getApiStyle();

  /** The {@code api-version} of Azure URLs; unused for {@link ApiStyle#OPENAI}. */
  public abstract String getAzureApiVersion();

  public abstract ApiKeySource getKeySource();

  /** Extra headers sent on every call, in the order given. */
  public abstract ImmutableMap<String, String> getHeaders();

  /** Sent as {@code OpenAI-Organization}: whose budget the calls spend. */
  public abstract @Nullable String getOrganization();

  /** Sent as {@code OpenAI-Project}. */
  public abstract @Nullable String getProject();

  public abstract Duration getConnectTimeout();

  /** One attempt's whole deadline: connect, send, wait and read. */
  public abstract Duration getRequestTimeout();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setBaseUrl(String v);

    abstract Builder setApiStyle(ApiStyle v);

    abstract Builder setAzureApiVersion(String v);

    abstract Builder setKeySource(ApiKeySource v);

    abstract Builder setHeaders(ImmutableMap<String, String> v);

    abstract Builder setOrganization(@Nullable String v);

    abstract Builder setProject(@Nullable String v);

    abstract Builder setConnectTimeout(Duration v);

    abstract Builder setRequestTimeout(Duration v);

    abstract OpenAiConnection build();
  }

  public OpenAiConnection withBaseUrl(String baseUrl) {
    return toBuilder().setBaseUrl(stripSlash(baseUrl)).build();
  }

  public OpenAiConnection withApiKey(ApiKeySource source) {
    return toBuilder().setKeySource(Preconditions.checkNotNull(source, "source")).build();
  }

  /**
   * Azure OpenAI: {@code api-key} header and deployment URLs
   * ({@code BASE/openai/deployments/MODEL/...?api-version=V}); each request's {@code model} names
   * the deployment.
   */
  public OpenAiConnection withAzure(String apiVersion) {
    Preconditions.checkArgument(!Strings.isNullOrEmpty(apiVersion), "Azure needs an api-version");
    return toBuilder().setApiStyle(ApiStyle.AZURE).setAzureApiVersion(apiVersion).build();
  }

  /**
   * An extra header; never put a secret here. The organization and project have their own
   * {@link #withOrganization} and {@link #withProject} (they also name the budget).
   */
  public OpenAiConnection withHeader(String name, String value) {
    Preconditions.checkNotNull(name, "name");
    Preconditions.checkArgument(
        !name.equalsIgnoreCase(ORGANIZATION_HEADER) && !name.equalsIgnoreCase(PROJECT_HEADER),
        "set %s with withOrganization / withProject", name);
    Map<String, String> h = new LinkedHashMap<>(getHeaders());
    h.put(name, Preconditions.checkNotNull(value, "value"));
    return toBuilder().setHeaders(ImmutableMap.copyOf(h)).build();
  }

  /** Sends {@code OpenAI-Organization}: the calls spend that organization's budget. */
  public OpenAiConnection withOrganization(@Nullable String organization) {
    return toBuilder().setOrganization(Strings.emptyToNull(organization)).build();
  }

  /** Sends {@code OpenAI-Project}: the calls spend that project's budget. */
  public OpenAiConnection withProject(@Nullable String project) {
    return toBuilder().setProject(Strings.emptyToNull(project)).build();
  }

  public OpenAiConnection withConnectTimeout(Duration timeout) {
    return toBuilder().setConnectTimeout(positive(timeout, "connect timeout")).build();
  }

  public OpenAiConnection withRequestTimeout(Duration timeout) {
    return toBuilder().setRequestTimeout(positive(timeout, "request timeout")).build();
  }

  /** Checks what can be checked before anything is sent. */
  public void validate() {
    String url = getBaseUrl();
    Preconditions.checkArgument(
        url.startsWith("http://") || url.startsWith("https://"),
        "baseUrl must be an http(s) URL, got %s", url);
    URI.create(url); // a malformed URL fails here, not on every worker
  }

  /** The URL of {@code endpoint} (e.g. {@code /v1/embeddings}) for a request to {@code model}. */
  public URI uriFor(String endpoint, String model) {
    String path = endpoint.startsWith("/") ? endpoint : "/" + endpoint;
    if (getApiStyle() == ApiStyle.AZURE) {
      String op = path.startsWith("/v1/") ? path.substring(4) : path.substring(1);
      return URI.create(getBaseUrl() + "/openai/deployments/" + pathSegment(model) + "/" + op
          + "?api-version=" + URLEncoder.encode(getAzureApiVersion(), StandardCharsets.UTF_8));
    }
    return uriForPath(path);
  }

  /**
   * The URL of an OpenAI-style path ({@code /v1/files}, {@code /v1/batches/ID}) under the base URL:
   * a base URL ending in {@code /v1} is not given a second one.
   */
  public URI uriForPath(String path) {
    String p = path.startsWith("/") ? path : "/" + path;
    if (getBaseUrl().endsWith("/v1") && p.startsWith("/v1/")) {
      p = p.substring(3);
    }
    return URI.create(getBaseUrl() + p);
  }

  /**
   * The headers of every call made with {@code apiKey} (empty for none): the key in the style's
   * header, then the configured ones.
   */
  public Map<String, String> headersWith(@Nullable String apiKey) {
    Map<String, String> h = new LinkedHashMap<>();
    if (apiKey != null && !apiKey.isEmpty()) {
      if (getApiStyle() == ApiStyle.AZURE) {
        h.put("api-key", apiKey);
      } else {
        h.put("Authorization", "Bearer " + apiKey);
      }
    }
    if (getOrganization() != null) {
      h.put(ORGANIZATION_HEADER, getOrganization());
    }
    if (getProject() != null) {
      h.put(PROJECT_HEADER, getProject());
    }
    h.putAll(getHeaders());
    return h;
  }

  /**
   * Who pays: the same for every connection that spends the same key at the same service (for the
   * same organization and project, when they are set).
   */
  public String budgetIdentity() {
    String id = getBaseUrl() + "\n" + getKeySource().describe();
    if (getOrganization() != null || getProject() != null) {
      id += "\n" + getOrganization() + "\n" + getProject();
    }
    return id;
  }

  /** Display data without secrets: the key's source and the headers' names, never their values. */
  public void populateDisplayData(DisplayData.Builder builder) {
    builder
        .add(DisplayData.item("baseUrl", getBaseUrl()).withLabel("Base URL"))
        .add(DisplayData.item("apiStyle", getApiStyle().name()))
        .add(DisplayData.item("apiKeySource", getKeySource().describe()).withLabel("API key from"))
        .add(DisplayData.item("requestTimeout", getRequestTimeout().toString()))
        .add(DisplayData.item("connectTimeout", getConnectTimeout().toString()));
    if (getApiStyle() == ApiStyle.AZURE) {
      builder.add(DisplayData.item("azureApiVersion", getAzureApiVersion()));
    }
    builder.addIfNotNull(DisplayData.item("organization", getOrganization()));
    builder.addIfNotNull(DisplayData.item("project", getProject()));
    if (!getHeaders().isEmpty()) {
      builder.add(DisplayData.item("headers", String.join(",", getHeaders().keySet()))
          .withLabel("Extra headers (names)"));
    }
  }

  @Override
  public String toString() {
    return "OpenAiConnection{" + getBaseUrl() + ", " + getApiStyle() + ", key from "
        + getKeySource().describe() + "}";
  }

  private static Duration positive(Duration d, String what) {
    Preconditions.checkArgument(d != null && !d.isNegative() && !d.isZero(), "%s must be > 0", what);
    return d;
  }

  /** URLEncoder encodes for forms: a space must be %20, not +, in a path. */
  private static String pathSegment(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String stripSlash(String s) {
    Preconditions.checkNotNull(s, "baseUrl");
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }
}
