package dev.openaibeam.budget;

import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;

/**
 * Names budgets and their shards. A budget is identified by where calls go, whose key pays and
 * which model group they draw from, so several keys or models can each have a budget of their own;
 * the id is a hash, so it can be logged and used as a Beam key without showing the key source.
 */
public final class BudgetKeys {
  private BudgetKeys() {}

  /**
   * @param payer who pays: the connection's {@code budgetIdentity()} (base URL and key source)
   */
  public static String budgetId(String payer, String modelGroup) {
    String raw = payer + "\n" + modelGroup;
    return "budget-" + Hashing.sha256().hashString(raw, StandardCharsets.UTF_8).toString().substring(0, 12);
  }

  /** The budget store's name of one budget group: a hash, so no key source reaches the store. */
  public static String storeKey(String budgetId, String group) {
    return hash(budgetId + "\n" + group);
  }

  /** 16 hex digits of a SHA-256: names nobody can read back. */
  public static String hash(String s) {
    return Hashing.sha256().hashString(s, StandardCharsets.UTF_8).toString().substring(0, 16);
  }

  /** The Beam key of one shard of a budget. */
  public static String shardKey(String budgetId, int shard) {
    return budgetId + "/" + shard;
  }

  /** The shard a request id always lands on: stable, so re-runs keep the same spread. */
  public static int shardOf(String requestId, int shards) {
    if (shards == 1) {
      return 0;
    }
    int h = Hashing.murmur3_32_fixed().hashString(requestId, StandardCharsets.UTF_8).asInt();
    return Math.floorMod(h, shards);
  }
}
