package dev.openaibeam.cost;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.apache.beam.sdk.io.FileSystems;

/**
 * Prices per model, in US dollars per million tokens, and the rule that finds a model's price.
 *
 * <pre>{@code
 * PriceTable prices = PriceTable.bundled()                 // openai-beam/prices.json
 *     .withOverrides(PriceTable.fromFile("gs://b/my-prices.json"));
 * Optional<PriceTable.Match> m = prices.lookup("gpt-4o-mini-2024-07-18"); // -> gpt-4o-mini
 * long nanos = m.get().price().nanoUsd(TokenUsage.of(1200, 1024, 80), PricingMode.BATCH);
 * }</pre>
 *
 * <p>Matching, in order: the exact name; the name without a dated-snapshot suffix ({@code
 * -2024-07-18}, {@code -0613}); the longest table name that is a prefix of it ending at a {@code -}
 * (so {@code gpt-4o-mini-search} finds {@code gpt-4o-mini}, but {@code gpt-4o} never finds {@code
 * gpt-4}). Anything else is unpriced: callers report it, they never count it as free.
 *
 * <p>File format (the bundled file is an example): {@code {"models": {"NAME": {"input": 0.15,
 * "cached_input": 0.075, "output": 0.6, "batch_discount": 0.5}}}}; {@code cached_input} defaults
 * to {@code input}, {@code batch_discount} to 0.5. Other top-level fields ({@code as_of}, ...) are
 * kept as notes.
 */
public final class PriceTable implements Serializable {
  public static final String BUNDLED_RESOURCE = "/openai-beam/prices.json";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SNAPSHOT_SUFFIX = Pattern.compile("-(\\d{4}-\\d{2}-\\d{2}|\\d{4})$");

  /** A model's price and the table entry it came from. */
  public record Match(String name, ModelPrice price) implements Serializable {}

  private final TreeMap<String, ModelPrice> prices;
  private final String asOf;
  // Every answer is priced: remember each model name's match (a run sees few distinct names).
  private transient volatile ConcurrentHashMap<String, Optional<Match>> matches;

  private PriceTable(TreeMap<String, ModelPrice> prices, String asOf) {
    this.prices = prices;
    this.asOf = asOf;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PriceTable
        && ((PriceTable) o).prices.equals(prices)
        && ((PriceTable) o).asOf.equals(asOf);
  }

  @Override
  public int hashCode() {
    return prices.hashCode() * 31 + asOf.hashCode();
  }

  public static PriceTable empty() {
    return new PriceTable(new TreeMap<>(), "");
  }

  /** The prices shipped in the jar (see {@code docs/cost.md} for their date and source). */
  public static PriceTable bundled() {
    try (InputStream in = PriceTable.class.getResourceAsStream(BUNDLED_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + BUNDLED_RESOURCE);
      }
      return fromJson(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + BUNDLED_RESOURCE, e);
    }
  }

  /** The bundled prices with {@code priceFile}'s entries over them (none when null or empty). */
  public static PriceTable bundledWith(String priceFile) {
    PriceTable bundled = bundled();
    return priceFile == null || priceFile.isEmpty() ? bundled : bundled.withOverrides(fromFile(priceFile));
  }

  /** Reads a price file from any Beam filesystem (local path, {@code gs://}, {@code s3://}). */
  public static PriceTable fromFile(String path) {
    try (InputStream in =
        Channels.newInputStream(
            FileSystems.open(FileSystems.matchSingleFileSpec(path).resourceId()))) {
      return fromJson(in);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("cannot read the price file " + path + ": " + e.getMessage(), e);
    }
  }

  public static PriceTable fromJson(InputStream in) throws IOException {
    return parse(JSON.readTree(in));
  }

  public static PriceTable fromJson(String json) {
    try {
      return parse(JSON.readTree(json));
    } catch (IOException e) {
      throw new IllegalArgumentException("not a price table: " + e.getMessage(), e);
    }
  }

  private static PriceTable parse(JsonNode root) {
    JsonNode models = root == null ? null : root.get("models");
    if (models == null || !models.isObject()) {
      throw new IllegalArgumentException("a price table needs an object \"models\"");
    }
    TreeMap<String, ModelPrice> out = new TreeMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = models.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode p = e.getValue();
      if (!p.path("input").isNumber() || !p.path("output").isNumber()) {
        throw new IllegalArgumentException(
            "price of " + e.getKey() + " needs numbers \"input\" and \"output\" (USD per 1M tokens)");
      }
      double input = p.get("input").asDouble();
      out.put(
          e.getKey(),
          new ModelPrice(
              input,
              p.path("cached_input").isNumber() ? p.get("cached_input").asDouble() : input,
              p.get("output").asDouble(),
              p.path("batch_discount").isNumber()
                  ? p.get("batch_discount").asDouble()
                  : ModelPrice.DEFAULT_BATCH_DISCOUNT));
    }
    return new PriceTable(out, root.path("as_of").asText(""));
  }

  /** This table with every entry of {@code other} added, replacing entries of the same name. */
  public PriceTable withOverrides(PriceTable other) {
    TreeMap<String, ModelPrice> merged = new TreeMap<>(prices);
    merged.putAll(other.prices);
    return new PriceTable(merged, other.asOf.isEmpty() ? asOf : other.asOf);
  }

  /** This table with one entry added or replaced. */
  public PriceTable withPrice(String model, ModelPrice price) {
    TreeMap<String, ModelPrice> merged = new TreeMap<>(prices);
    merged.put(model, price);
    return new PriceTable(merged, asOf);
  }

  public Map<String, ModelPrice> prices() {
    return Collections.unmodifiableMap(prices);
  }

  /** The {@code as_of} note of the (last merged) file, "" when none. */
  public String asOf() {
    return asOf;
  }

  /** The price of {@code model} by the matching rule above; empty when it is unpriced. */
  public Optional<Match> lookup(String model) {
    if (model == null || model.isEmpty()) {
      return Optional.empty();
    }
    ConcurrentHashMap<String, Optional<Match>> cache = matches;
    if (cache == null) {
      cache = new ConcurrentHashMap<>();
      matches = cache;
    }
    if (cache.size() > 10_000) {
      cache.clear(); // a pathological input with endless distinct model names
    }
    return cache.computeIfAbsent(model, this::match);
  }

  private Optional<Match> match(String model) {
    ModelPrice exact = prices.get(model);
    if (exact != null) {
      return Optional.of(new Match(model, exact));
    }
    String undated = SNAPSHOT_SUFFIX.matcher(model).replaceFirst("");
    if (!undated.equals(model) && prices.containsKey(undated)) {
      return Optional.of(new Match(undated, prices.get(undated)));
    }
    // Longest prefix at a '-' boundary: walk the name's dash positions from the right.
    for (int i = model.lastIndexOf('-'); i > 0; i = model.lastIndexOf('-', i - 1)) {
      String prefix = model.substring(0, i);
      ModelPrice p = prices.get(prefix);
      if (p != null) {
        return Optional.of(new Match(prefix, p));
      }
    }
    return Optional.empty();
  }

  /** The cost of {@code usage} for {@code model} in nano-dollars; empty when it is unpriced. */
  public Optional<Long> nanoUsd(String model, TokenUsage usage, PricingMode mode) {
    return lookup(model).map(m -> m.price().nanoUsd(usage, mode));
  }

  /** The cost of {@code usage} for {@code model} in dollars; empty when it is unpriced. */
  public Optional<Double> usd(String model, TokenUsage usage, PricingMode mode) {
    return nanoUsd(model, usage, mode).map(Usd::fromNanos);
  }

  @Override
  public String toString() {
    return "PriceTable{" + prices.size() + " models" + (asOf.isEmpty() ? "" : ", as of " + asOf) + "}";
  }
}
