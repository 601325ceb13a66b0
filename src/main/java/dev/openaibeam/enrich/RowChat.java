package dev.openaibeam.enrich;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.base.Preconditions;
import dev.openaibeam.api.ApiResponse;
import dev.openaibeam.cost.TokenUsage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Chat Completions over schema'd rows: the user message is a template over the row's fields
 * ({@code "Classify this ticket: {subject}\n{body}"}), and each output row is the input row plus
 * the answer's text ({@code response}, STRING) and its usage ({@code response_prompt_tokens},
 * {@code response_completion_tokens}, nullable INT64; the prefix follows {@link
 * #withResponseField}).
 *
 * <pre>{@code
 * PCollection<Row> tickets = ...; // schema: id STRING, subject STRING, body STRING
 * OpenAiEnrichment.Result<Row, Row> r = tickets.apply(
 *     OpenAiEnrichment.rows(
 *             RowChat.of("gpt-4o-mini", "Summarize in one line: {subject}\n{body}")
 *                 .withMaxTokens(60))
 *         .withRequestsPerMinute(5_000)
 *         .withTokensPerMinute(2_000_000));
 * r.getEnriched(); // schema: id, subject, body, response, response_prompt_tokens, ...
 * }</pre>
 *
 * <p>A placeholder is {@code {field}} with a top-level field name; other braces are literal. A row
 * whose placeholder field (or model field) is null becomes a failure with code {@code
 * request_build_failed}.
 */
public final class RowChat extends RowEnricher {
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]*)\\}");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final @Nullable String model;
  private final @Nullable String modelField;
  private final String template;
  private final @Nullable String systemPrompt;
  private final @Nullable Integer maxTokens;
  private final @Nullable Double temperature;
  private final @Nullable String jsonSchemaName;
  private final @Nullable String jsonSchema;
  private final String responseField;
  /** {@link #jsonSchema} parsed, once per instance (after deserialization: on first use). */
  private transient volatile @Nullable JsonNode parsedJsonSchema;

  private RowChat(
      @Nullable String model,
      @Nullable String modelField,
      String template,
      @Nullable String systemPrompt,
      @Nullable Integer maxTokens,
      @Nullable Double temperature,
      @Nullable String jsonSchemaName,
      @Nullable String jsonSchema,
      String responseField) {
    this.model = model;
    this.modelField = modelField;
    this.template = template;
    this.systemPrompt = systemPrompt;
    this.maxTokens = maxTokens;
    this.temperature = temperature;
    this.jsonSchemaName = jsonSchemaName;
    this.jsonSchema = jsonSchema;
    this.responseField = responseField;
  }

  /** Every row goes to {@code model} with the user message {@code template}. */
  public static RowChat of(String model, String template) {
    Preconditions.checkNotNull(model, "model");
    Preconditions.checkNotNull(template, "template");
    return new RowChat(model, null, template, null, null, null, null, null, "response");
  }

  /** Each row's model comes from its field {@code field} (e.g. to A/B two models). */
  public RowChat withModelField(String field) {
    return new RowChat(null, field, template, systemPrompt, maxTokens, temperature,
        jsonSchemaName, jsonSchema, responseField);
  }

  /** A system message before the templated user message. */
  public RowChat withSystemPrompt(String prompt) {
    return new RowChat(model, modelField, template, prompt, maxTokens, temperature,
        jsonSchemaName, jsonSchema, responseField);
  }

  /** {@code max_completion_tokens}; also what the budget reserves for each answer. */
  public RowChat withMaxTokens(int tokens) {
    Preconditions.checkArgument(tokens >= 1, "maxTokens must be >= 1");
    return new RowChat(model, modelField, template, systemPrompt, tokens, temperature,
        jsonSchemaName, jsonSchema, responseField);
  }

  public RowChat withTemperature(double t) {
    return new RowChat(model, modelField, template, systemPrompt, maxTokens, t,
        jsonSchemaName, jsonSchema, responseField);
  }

  /**
   * Structured Outputs: the answer is a JSON object following {@code schemaJson} (a JSON Schema;
   * strict mode wants every property required and {@code additionalProperties: false}). The
   * response field then holds that JSON text.
   */
  public RowChat withJsonSchema(String name, String schemaJson) {
    JsonNode schema;
    try {
      schema = JSON.readTree(schemaJson);
    } catch (IOException e) {
      throw new IllegalArgumentException("the schema is not JSON: " + e.getMessage(), e);
    }
    Preconditions.checkArgument(schema != null && schema.isObject(), "the schema must be a JSON object");
    RowChat out = new RowChat(model, modelField, template, systemPrompt, maxTokens, temperature,
        name, schemaJson, responseField);
    out.parsedJsonSchema = schema;
    return out;
  }

  /** The JSON schema as a tree, parsed once; requests share it and never change it. */
  private JsonNode jsonSchema() {
    JsonNode schema = parsedJsonSchema;
    if (schema == null) {
      try {
        schema = JSON.readTree(jsonSchema);
      } catch (IOException e) {
        throw new UncheckedIOException(e); // cannot happen: withJsonSchema parsed it
      }
      parsedJsonSchema = schema;
    }
    return schema;
  }

  /** Name of the answer's text field (default {@code response}); prefixes the usage fields. */
  public RowChat withResponseField(String name) {
    return new RowChat(model, modelField, template, systemPrompt, maxTokens, temperature,
        jsonSchemaName, jsonSchema, name);
  }

  /** The fields the template names, in order of first use. */
  Set<String> placeholders() {
    Set<String> out = new LinkedHashSet<>();
    Matcher m = PLACEHOLDER.matcher(template);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  @Override
  public Schema outputSchema(Schema input) {
    for (String f : placeholders()) {
      checkHas(input, f);
    }
    if (modelField != null) {
      checkHas(input, modelField);
    }
    List<Schema.Field> added = new ArrayList<>();
    added.add(Schema.Field.of(responseField, FieldType.STRING));
    added.add(Schema.Field.nullable(responseField + "_prompt_tokens", FieldType.INT64));
    added.add(Schema.Field.nullable(responseField + "_completion_tokens", FieldType.INT64));
    Schema.Builder b = Schema.builder().addFields(input.getFields());
    for (Schema.Field f : added) {
      checkFree(input, f.getName());
      b.addField(f);
    }
    return b.build();
  }

  /** The user message for {@code row}. */
  String prompt(Row row) {
    Matcher m = PLACEHOLDER.matcher(template);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      Object v = row.getValue(m.group(1));
      if (v == null) {
        throw new IllegalArgumentException("field " + m.group(1) + " is null");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(String.valueOf(v)));
    }
    m.appendTail(out);
    return out.toString();
  }

  @Override
  public EnrichmentRequest request(Row row) {
    String m = model;
    if (modelField != null) {
      m = row.getValue(modelField) == null ? null : String.valueOf((Object) row.getValue(modelField));
      if (m == null || m.isEmpty()) {
        throw new IllegalArgumentException("model field " + modelField + " is empty");
      }
    }
    ObjectNode body = JSON.createObjectNode();
    body.put("model", m);
    ArrayNode messages = body.putArray("messages");
    if (systemPrompt != null) {
      messages.addObject().put("role", "system").put("content", systemPrompt);
    }
    messages.addObject().put("role", "user").put("content", prompt(row));
    if (maxTokens != null) {
      body.put("max_completion_tokens", maxTokens);
    }
    if (temperature != null) {
      body.put("temperature", temperature);
    }
    if (jsonSchema != null) {
      ObjectNode format = body.putObject("response_format");
      format.put("type", "json_schema");
      ObjectNode js = format.putObject("json_schema");
      js.put("name", jsonSchemaName);
      js.put("strict", true);
      js.set("schema", jsonSchema());
    }
    return EnrichmentRequest.chat(body);
  }

  @Override
  public Row join(Row input, ApiResponse response, Schema outputSchema) {
    JsonNode answer = Responses.parse(response.getBody());
    TokenUsage usage = TokenUsage.fromResponse(answer).orElse(null);
    return Row.withSchema(outputSchema)
        .addValues(input.getValues())
        .addValues(
            Responses.text(answer),
            usage == null ? null : usage.inputTokens(),
            usage == null ? null : usage.outputTokens())
        .build();
  }

  @Override
  public String describe() {
    return "chat model=" + (model != null ? model : "field " + modelField)
        + " template=" + template + (jsonSchema != null ? " json_schema=" + jsonSchemaName : "")
        + " -> " + responseField;
  }
}
