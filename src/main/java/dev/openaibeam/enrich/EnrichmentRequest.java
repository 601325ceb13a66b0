package dev.openaibeam.enrich;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.Serializable;
import java.util.Objects;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The API call an {@link OpenAiEnrichment} makes for one input element: the endpoint path, the JSON
 * body exactly as it will be sent, and optional pass-through metadata (a JSON value, never sent;
 * it comes back on the response and on the failure).
 */
public final class EnrichmentRequest implements Serializable {
  private final String endpoint;
  private final String body;
  private final @Nullable String metadata;

  private EnrichmentRequest(String endpoint, String body, @Nullable String metadata) {
    this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
    this.body = Objects.requireNonNull(body, "body");
    this.metadata = metadata;
  }

  /** {@code body} is the JSON object sent, e.g. {@code {"model":"gpt-4o-mini","messages":[...]}}. */
  public static EnrichmentRequest of(String endpoint, String body) {
    return new EnrichmentRequest(endpoint, body, null);
  }

  public static EnrichmentRequest of(String endpoint, JsonNode body) {
    return new EnrichmentRequest(endpoint, body.toString(), null);
  }

  /** Chat Completions ({@code /v1/chat/completions}). */
  public static EnrichmentRequest chat(JsonNode body) {
    return of("/v1/chat/completions", body);
  }

  /** Embeddings ({@code /v1/embeddings}). */
  public static EnrichmentRequest embeddings(JsonNode body) {
    return of("/v1/embeddings", body);
  }

  /** A JSON value passed through to the response's and the failure's request, never sent. */
  public EnrichmentRequest withMetadata(@Nullable String metadataJson) {
    return new EnrichmentRequest(endpoint, body, metadataJson);
  }

  public String getEndpoint() {
    return endpoint;
  }

  public String getBody() {
    return body;
  }

  public @Nullable String getMetadata() {
    return metadata;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof EnrichmentRequest)) {
      return false;
    }
    EnrichmentRequest r = (EnrichmentRequest) o;
    return endpoint.equals(r.endpoint) && body.equals(r.body) && Objects.equals(metadata, r.metadata);
  }

  @Override
  public int hashCode() {
    return Objects.hash(endpoint, body, metadata);
  }

  @Override
  public String toString() {
    return "EnrichmentRequest{endpoint=" + endpoint + "}";
  }
}
