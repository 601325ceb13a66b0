package dev.openaibeam.store;

import com.google.auto.value.AutoValue;
import com.google.common.base.Preconditions;
import com.google.common.base.Strings;
import dev.openaibeam.budget.BudgetKeys;
import dev.openaibeam.budget.SharedBudget;
import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Where the budgets shared by every job on an account are held: a Redis server ({@code
 * redis://host:port[/db]}, or {@code rediss://} for TLS). With it, each budget's buckets live in
 * Redis and every worker of every job takes from them atomically (one Lua script per call), so
 * several pipelines on one key stay inside one limit together; capacity is split by {@link
 * #withWeight weight} while several want more than the limit, and a lone job gets all of it.
 *
 * <p>The password is read on the workers from an environment variable or a file, never given as
 * a value, and never shown. Redis holds only hashes of the budget names, never a key or a prompt.
 *
 * <pre>{@code
 * OpenAiCall.of(openAi).withRequestsPerMinute(6_000)
 *     .withBudgetStore(BudgetStore.redis("redis://budgets:6379/0")
 *         .withPasswordFromEnv("REDIS_PASSWORD").withWeight(3));
 * }</pre>
 */
@AutoValue
public abstract class BudgetStore implements Serializable {
  /** Builds from {@code redis://host:port[/db]} or {@code rediss://...}; no password in it. */
  public static BudgetStore redis(String uri) {
    URI u = parse(uri);
    return new AutoValue_BudgetStore.Builder()
        .setScheme(u.getScheme())
        .setHost(u.getHost())
        .setPort(u.getPort() > 0 ? u.getPort() : 6379)
        .setDatabase(database(u))
        .setUser(user(u))
        .setPasswordEnv(null)
        .setPasswordFile(null)
        .setWeight(1)
        .setBudgetName(null)
        .build();
  }

  abstract String scheme();

  abstract String host();

  abstract int port();

  abstract int database();

  abstract @Nullable String user();

  abstract @Nullable String passwordEnv();

  abstract @Nullable String passwordFile();

  /** This job's weight when jobs want more than the limit together (default 1). */
  public abstract double weight();

  abstract @Nullable String budgetName();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setScheme(String v);

    abstract Builder setHost(String v);

    abstract Builder setPort(int v);

    abstract Builder setDatabase(int v);

    abstract Builder setUser(@Nullable String v);

    abstract Builder setPasswordEnv(@Nullable String v);

    abstract Builder setPasswordFile(@Nullable String v);

    abstract Builder setWeight(double v);

    abstract Builder setBudgetName(@Nullable String v);

    abstract BudgetStore build();
  }

  /** Reads the password from this environment variable on the workers. */
  public BudgetStore withPasswordFromEnv(String variable) {
    Preconditions.checkArgument(!Strings.isNullOrEmpty(variable), "password variable is empty");
    return toBuilder().setPasswordEnv(variable).setPasswordFile(null).build();
  }

  /** Reads the password from this file on the workers (its first line). */
  public BudgetStore withPasswordFile(String path) {
    Preconditions.checkArgument(!Strings.isNullOrEmpty(path), "password file is empty");
    return toBuilder().setPasswordFile(path).setPasswordEnv(null).build();
  }

  /**
   * This job's share when several jobs want more than the limit: weight / the weights of the jobs
   * that want more (default 1). An idle job's share goes to the others.
   */
  public BudgetStore withWeight(double weight) {
    Preconditions.checkArgument(weight > 0 && weight <= 1000, "budget weight must be in (0, 1000]");
    return toBuilder().setWeight(weight).build();
  }

  /**
   * Names the budget in the store (hashed there), for jobs that read the same key from different
   * places; by default a budget is named by its service and key source, as in Beam state.
   */
  public BudgetStore withBudgetName(@Nullable String name) {
    return toBuilder().setBudgetName(Strings.emptyToNull(name)).build();
  }

  /** Where it is, without any secret: {@code redis://host:port/db}. */
  public String describe() {
    return scheme() + "://" + (user() == null ? "" : user() + "@") + host() + ":" + port() + "/"
        + database();
  }

  @Override
  public final String toString() {
    return "BudgetStore{" + describe() + ", weight " + weight() + "}";
  }

  public void populateDisplayData(DisplayData.Builder builder) {
    builder
        .add(DisplayData.item("budgetStore", describe()).withLabel("Budget store"))
        .add(DisplayData.item("budgetWeight", weight()).withLabel("Weight in the shared budget"))
        .addIfNotNull(DisplayData.item("budgetStorePassword", passwordSource())
            .withLabel("Budget store password from"));
  }

  private @Nullable String passwordSource() {
    if (passwordEnv() != null) {
      return "env:" + passwordEnv();
    }
    return passwordFile() == null ? null : "file:" + passwordFile();
  }

  /**
   * This worker's view of one budget group in the store, for the job {@code runToken}: one per
   * worker (JVM), shared by its threads and shards.
   */
  public SharedBudget open(String runToken, String budgetId, String group) {
    String budget = budgetName() == null ? budgetId : BudgetKeys.budgetId("store:" + budgetName(), "*");
    return StoreClient.of(this).budget(BudgetKeys.storeKey(budget, group), BudgetKeys.hash(runToken), weight());
  }

  /** Round trips this worker (JVM) made to budget stores so far: for the run's summary. */
  public static long roundTripsOfThisWorker() {
    return StoreClient.allRoundTrips();
  }

  boolean tls() {
    return scheme().equals("rediss");
  }

  private static URI parse(String uri) {
    Preconditions.checkArgument(!Strings.isNullOrEmpty(uri), "budget store is empty");
    URI u;
    try {
      u = new URI(uri);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("budget store is not a URI (redis://host:port[/db])");
    }
    Preconditions.checkArgument("redis".equals(u.getScheme()) || "rediss".equals(u.getScheme()),
        "budget store must be redis://host:port[/db] or rediss://...");
    Preconditions.checkArgument(!Strings.isNullOrEmpty(u.getHost()), "budget store has no host");
    String info = u.getRawUserInfo();
    // Never echo the user info: it may be a password.
    Preconditions.checkArgument(info == null || !info.contains(":"),
        "the budget store's password does not go in its URI: give --budgetStorePasswordEnv or"
            + " --budgetStorePasswordFile");
    return u;
  }

  private static @Nullable String user(URI u) {
    return Strings.emptyToNull(u.getUserInfo());
  }

  private static int database(URI u) {
    String path = u.getPath() == null ? "" : u.getPath().replace("/", "");
    if (path.isEmpty()) {
      return 0;
    }
    try {
      int db = Integer.parseInt(path);
      Preconditions.checkArgument(db >= 0, "budget store database must be >= 0");
      return db;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("budget store database must be a number: redis://host:port/0");
    }
  }
}
