package dev.openaibeam.emulator;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Which models exist. The catalogue holds real OpenAI model ids (with the date they appeared and
 * their owner, as {@code GET /v1/models} shows them) and any extra names the config adds; a dated
 * snapshot of a catalogue model ({@code gpt-4o-mini-2024-07-18}, {@code gpt-4-0613}) and a
 * fine-tune of one ({@code ft:gpt-4o-mini-2024-07-18:org::id}) exist too.
 *
 * <p>In strict mode only those exist. Otherwise (the default, which the repository's own tests
 * rely on with names such as {@code house-model}) every name exists except {@code does-not-exist}
 * and {@code missing-*}. An Azure deployment is a name the account chose, so any deployment
 * exists in both modes (save those two test names).
 */
final class ModelCatalogue {
  /** Id → [created (epoch seconds), owned_by]; in the order {@code /v1/models} lists them. */
  private static final Map<String, Object[]> BUILT_IN = new LinkedHashMap<>();

  static {
    add("gpt-4o", 1715367049L, "system");
    add("gpt-4o-mini", 1721172741L, "system");
    add("gpt-4.1", 1744316542L, "system");
    add("gpt-4.1-mini", 1744318173L, "system");
    add("gpt-4.1-nano", 1744321707L, "system");
    add("gpt-4-turbo", 1712361441L, "system");
    add("gpt-4", 1687882411L, "openai");
    add("gpt-3.5-turbo", 1677610602L, "openai");
    add("o1", 1734375816L, "system");
    add("o1-mini", 1725649008L, "system");
    add("o3", 1744225308L, "system");
    add("o3-mini", 1737146383L, "system");
    add("o4-mini", 1744225351L, "system");
    add("gpt-5", 1754425777L, "system");
    add("gpt-5-mini", 1754425928L, "system");
    add("gpt-5-nano", 1754426384L, "system");
    add("text-embedding-3-small", 1705948997L, "system");
    add("text-embedding-3-large", 1705953180L, "system");
    add("text-embedding-ada-002", 1671217299L, "openai-internal");
    add("davinci-002", 1692634301L, "system");
    add("babbage-002", 1692634615L, "system");
    add("gpt-3.5-turbo-instruct", 1692901427L, "system");
  }

  private static void add(String id, long created, String owner) {
    BUILT_IN.put(id, new Object[] {created, owner});
  }

  private final boolean strict;
  private final Set<String> extra;

  ModelCatalogue(boolean strict, Collection<String> extra) {
    this.strict = strict;
    this.extra = Set.copyOf(extra);
  }

  boolean strict() {
    return strict;
  }

  /** Whether a model named in a request (or a path) exists; {@code azure}: a deployment name. */
  boolean exists(String model, boolean azure) {
    if (model.equals("does-not-exist") || model.startsWith("missing-")) {
      return false;
    }
    return azure || !strict || inCatalogue(model);
  }

  /** The 404 body of a model that does not exist, as the service words it. */
  static String notFound(String model) {
    return ErrorBodies.error("The model `" + model + "` does not exist or you do not have access to it.",
        "invalid_request_error", "model_not_found");
  }

  private boolean inCatalogue(String model) {
    if (BUILT_IN.containsKey(model) || extra.contains(model)) {
      return true;
    }
    String m = model;
    if (m.startsWith("ft:")) { // ft:BASE:org:suffix:id or ft:BASE:org::id
      int colon = m.indexOf(':', 3);
      m = colon > 3 ? m.substring(3, colon) : m.substring(3);
      if (BUILT_IN.containsKey(m) || extra.contains(m)) {
        return true;
      }
    }
    String base = withoutSnapshot(m);
    return base != null && (BUILT_IN.containsKey(base) || extra.contains(base));
  }

  /** {@code NAME} of {@code NAME-YYYY-MM-DD} or {@code NAME-MMDD}; null when no such suffix. */
  static String withoutSnapshot(String m) {
    int n = m.length();
    if (n > 11 && m.charAt(n - 11) == '-' && digits(m, n - 10, n - 6) && m.charAt(n - 6) == '-'
        && digits(m, n - 5, n - 3) && m.charAt(n - 3) == '-' && digits(m, n - 2, n)) {
      return m.substring(0, n - 11);
    }
    if (n > 5 && m.charAt(n - 5) == '-' && digits(m, n - 4, n)) {
      return m.substring(0, n - 5);
    }
    return null;
  }

  private static boolean digits(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }

  /** {@code GET /v1/models}: the catalogue, then the extra names. */
  String list() {
    ObjectNode out = Answers.JSON.createObjectNode();
    out.put("object", "list");
    ArrayNode data = out.putArray("data");
    for (String id : BUILT_IN.keySet()) {
      data.add(model(id));
    }
    for (String id : extra) {
      if (!BUILT_IN.containsKey(id)) {
        data.add(model(id));
      }
    }
    return out.toString();
  }

  /** {@code GET /v1/models/ID}: the model object, or null when it does not exist. */
  String retrieve(String id) {
    return id.isEmpty() || !exists(id, false) ? null : model(id).toString();
  }

  private static ObjectNode model(String id) {
    Object[] known = BUILT_IN.get(id);
    if (known == null && id.startsWith("ft:")) {
      known = new Object[] {1700000000L, "user-emulator"};
    } else if (known == null) {
      String base = withoutSnapshot(id);
      Object[] of = base == null ? null : BUILT_IN.get(base);
      known = of != null ? of : new Object[] {1700000000L, "emulator"};
    }
    ObjectNode n = Answers.JSON.createObjectNode();
    n.put("id", id).put("object", "model").put("created", (Long) known[0]).put("owned_by", (String) known[1]);
    return n;
  }
}
