package dev.openaibeam.pool;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openaibeam.connection.ApiKeySource;
import dev.openaibeam.connection.OpenAiConnection;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.apache.beam.sdk.io.FileSystems;

/**
 * A {@link KeyPool} from a JSON file (any Beam filesystem): an array of members, each
 *
 * <pre>{@code
 * {"name": "org-b", "apiKeyFile": "/secrets/b", "rpm": 2000, "tpm": 800000, "budget": "proj-b",
 *  "baseUrl": "https://api.openai.com/v1", "organization": "org-...", "project": "proj-...",
 *  "azureApiVersion": "2024-10-21", "models": ["gpt-4o-mini"]}
 * }</pre>
 *
 * with a name and exactly one key source ({@code apiKeyEnv}, {@code apiKeyFile}, {@code
 * apiKeySecret}); never the key itself. Anything else is refused, with the member and field named,
 * before a call is made.
 */
public final class KeyPoolFile {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> FIELDS = Set.of("name", "apiKeyEnv", "apiKeyFile", "apiKeySecret",
      "baseUrl", "azureApiVersion", "organization", "project", "rpm", "tpm", "models", "budget");
  private static final Set<String> KEY_FIELDS = Set.of("apiKey", "key", "api_key", "secret", "token");

  private KeyPoolFile() {}

  /** Reads and checks the pool in {@code path}. */
  public static KeyPool read(String path) {
    String text;
    try (InputStream in = Channels.newInputStream(
        FileSystems.open(FileSystems.matchSingleFileSpec(path).resourceId()))) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the keys file " + path + ": " + e.getMessage(), e);
    }
    return parse(text, path);
  }

  /** Parses a pool; {@code where} names the file in messages. */
  public static KeyPool parse(String json, String where) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(where + " is not valid JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isArray() || root.isEmpty()) {
      throw new IllegalArgumentException(where + " must be a JSON array of pool members, not "
          + (root == null ? "empty" : root.getNodeType().toString().toLowerCase()));
    }
    List<PoolMember> members = new ArrayList<>();
    for (int i = 0; i < root.size(); i++) {
      members.add(member(root.get(i), where + " member " + (i + 1)));
    }
    try {
      return KeyPool.of(members);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
  }

  private static PoolMember member(JsonNode m, String where) {
    if (!m.isObject()) {
      throw new IllegalArgumentException(where + " must be a JSON object");
    }
    String name = text(m, "name", where);
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException(where + " has no \"name\"");
    }
    where = where + " (" + name + ")";
    for (Iterator<String> it = m.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (KEY_FIELDS.contains(f)) {
        throw new IllegalArgumentException(where + " holds a key in \"" + f + "\": a keys file names"
            + " where each key is (apiKeyEnv, apiKeyFile or apiKeySecret), never the key");
      }
      if (!FIELDS.contains(f)) {
        throw new IllegalArgumentException(where + " has an unknown field \"" + f + "\"; the fields"
            + " are " + String.join(", ", new java.util.TreeSet<>(FIELDS)));
      }
    }
    OpenAiConnection c =
        OpenAiConnection.to(orElse(text(m, "baseUrl", where), OpenAiConnection.OPENAI_BASE_URL))
            .withApiKey(keySource(m, where))
            .withOrganization(text(m, "organization", where))
            .withProject(text(m, "project", where));
    String azure = text(m, "azureApiVersion", where);
    if (azure != null) {
      c = c.withAzure(azure);
    }
    PoolMember member =
        PoolMember.of(name, c).withLimits(number(m, "rpm", where), number(m, "tpm", where));
    JsonNode models = m.get("models");
    if (models != null) {
      List<String> names = new ArrayList<>();
      if (!models.isArray()) {
        throw new IllegalArgumentException(where + ": \"models\" must be an array of model names");
      }
      for (JsonNode n : models) {
        if (!n.isTextual() || n.asText().isBlank()) {
          throw new IllegalArgumentException(where + ": \"models\" must hold model names, found " + n);
        }
        names.add(n.asText());
      }
      member = member.withModels(names);
    }
    String budget = text(m, "budget", where);
    return budget == null ? member : member.withBudget(budget);
  }

  private static ApiKeySource keySource(JsonNode m, String where) {
    String env = text(m, "apiKeyEnv", where);
    String file = text(m, "apiKeyFile", where);
    String secret = text(m, "apiKeySecret", where);
    int given = (env != null ? 1 : 0) + (file != null ? 1 : 0) + (secret != null ? 1 : 0);
    if (given != 1) {
      throw new IllegalArgumentException(where + (given == 0 ? " has no key source" : " has "
          + given + " key sources") + ": give exactly one of apiKeyEnv, apiKeyFile, apiKeySecret");
    }
    if (env != null) {
      return ApiKeySource.fromEnv(env);
    }
    return file != null ? ApiKeySource.fromFile(file) : ApiKeySource.fromGcpSecret(secret);
  }

  private static String text(JsonNode m, String field, String where) {
    JsonNode v = m.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException(where + ": \"" + field + "\" must be a string, found " + v);
    }
    return v.asText();
  }

  private static long number(JsonNode m, String field, String where) {
    JsonNode v = m.get(field);
    if (v == null || v.isNull()) {
      return 0;
    }
    if (!v.canConvertToLong() || v.asLong() < 0 || !v.isIntegralNumber()) {
      throw new IllegalArgumentException(where + ": \"" + field + "\" must be a whole number >= 0, found " + v);
    }
    return v.asLong();
  }

  private static String orElse(String v, String otherwise) {
    return v == null ? otherwise : v;
  }
}
