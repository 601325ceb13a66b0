package dev.openaibeam.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bundled table, the matching rule, and price files laid over it. */
class PriceTableTest {
  private static String matched(PriceTable t, String model) {
    return t.lookup(model).map(PriceTable.Match::name).orElse("UNPRICED");
  }

  @Test
  void bundledTableHasTheCommonModels() {
    PriceTable t = PriceTable.bundled();
    for (String m : new String[] {"gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano",
        "o1", "o3", "o3-mini", "o4-mini", "gpt-5", "gpt-5-mini", "gpt-5-nano", "gpt-3.5-turbo",
        "text-embedding-3-small", "text-embedding-3-large", "text-embedding-ada-002"}) {
      assertEquals(m, matched(t, m), m);
    }
    ModelPrice mini = t.lookup("gpt-4o-mini").get().price();
    assertEquals(0.15, mini.inputPerMillion());
    assertEquals(0.075, mini.cachedInputPerMillion());
    assertEquals(0.60, mini.outputPerMillion());
    assertEquals(0.5, mini.batchDiscount());
    assertFalse(t.asOf().isEmpty());
  }

  @Test
  void matchesExactThenSnapshotThenLongestPrefixAtADash() {
    PriceTable t = PriceTable.bundled();
    assertEquals("gpt-4o-mini", matched(t, "gpt-4o-mini-2024-07-18"));
    assertEquals("gpt-4.1-mini", matched(t, "gpt-4.1-mini-2025-04-14"));
    assertEquals("gpt-3.5-turbo", matched(t, "gpt-3.5-turbo-0125"));
    // An exact dated entry wins over its family: gpt-4o-2024-05-13 kept its older, higher price.
    assertEquals("gpt-4o-2024-05-13", matched(t, "gpt-4o-2024-05-13"));
    assertEquals(5.00, t.lookup("gpt-4o-2024-05-13").get().price().inputPerMillion());
    assertEquals("gpt-4o-mini", matched(t, "gpt-4o-mini-search-preview"));
    assertEquals("o3-mini", matched(t, "o3-mini-2025-01-31"));
    assertEquals("gpt-4-1106-preview", matched(t, "gpt-4-1106-preview"));
    // Unknown names and fine-tunes are unpriced, never free.
    assertEquals("UNPRICED", matched(t, "my-deployment"));
    assertEquals("UNPRICED", matched(t, "ft:gpt-4o-mini:org::abc123"));
    assertEquals("UNPRICED", matched(t, ""));
    assertTrue(t.nanoUsd("my-deployment", TokenUsage.of(10, 0, 10), PricingMode.ONLINE).isEmpty());
  }

  @Test
  void aPrefixMustEndAtADash() {
    PriceTable t = PriceTable.empty().withPrice("gpt-4", ModelPrice.of(30, 60));
    assertEquals("gpt-4", matched(t, "gpt-4-0613"));
    assertEquals("gpt-4", matched(t, "gpt-4-32k-0314"));
    assertEquals("UNPRICED", matched(t, "gpt-4o"));
    assertEquals("UNPRICED", matched(t, "gpt-4o-mini"));
  }

  @Test
  void priceFileOverridesAndExtendsTheBundledTable(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("prices.json");
    Files.writeString(f, "{\"as_of\":\"2030-01\",\"models\":{"
        + "\"gpt-4o-mini\":{\"input\":1.0,\"output\":2.0,\"batch_discount\":0.25},"
        + "\"my-deployment\":{\"input\":3.0,\"cached_input\":1.5,\"output\":4.0}}}");
    PriceTable t = PriceTable.bundledWith(f.toString());
    ModelPrice mini = t.lookup("gpt-4o-mini-2024-07-18").get().price();
    assertEquals(1.0, mini.inputPerMillion());
    assertEquals(1.0, mini.cachedInputPerMillion(), "no cached_input: no cache discount");
    assertEquals(0.25, mini.batchDiscount());
    assertEquals(1.5, t.lookup("my-deployment").get().price().cachedInputPerMillion());
    assertEquals("gpt-4o", matched(t, "gpt-4o"), "untouched entries stay");
    assertEquals("2030-01", t.asOf());
    // 1,000 input + 1,000 output tokens of gpt-4o-mini at the file's prices: $0.003 online.
    assertEquals(3_000_000L,
        (long) t.nanoUsd("gpt-4o-mini", TokenUsage.of(1000, 0, 1000), PricingMode.ONLINE).get());
    assertEquals(2_250_000L,
        (long) t.nanoUsd("gpt-4o-mini", TokenUsage.of(1000, 0, 1000), PricingMode.BATCH).get());
  }

  @Test
  void badPriceFilesAreRejectedWithTheirName(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("bad.json");
    Files.writeString(f, "{\"models\":{\"x\":{\"input\":\"cheap\"}}}");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> PriceTable.fromFile(f.toString()));
    assertTrue(e.getMessage().contains("bad.json"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> PriceTable.fromFile(dir.resolve("none.json").toString()));
    assertThrows(IllegalArgumentException.class, () -> PriceTable.fromJson("{\"prices\":{}}"));
  }
}
