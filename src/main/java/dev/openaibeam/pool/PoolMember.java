package dev.openaibeam.pool;

import com.google.auto.value.AutoValue;
import com.google.common.base.Preconditions;
import com.google.common.base.Strings;
import com.google.common.collect.ImmutableSet;
import dev.openaibeam.connection.OpenAiConnection;
import java.io.Serializable;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One member of a {@link KeyPool}: a name to show, a connection (its base URL, API style, key
 * source, organization and project headers), its limits (0: learned from its headers, as for a
 * single key), the models it serves (empty: all) and the budget group whose budget it spends.
 * Holds where its key comes from, never the key.
 */
@AutoValue
public abstract class PoolMember implements Serializable {
  public static PoolMember of(String name, OpenAiConnection connection) {
    Preconditions.checkArgument(!Strings.isNullOrEmpty(name), "a pool member needs a name");
    return new AutoValue_PoolMember(name, connection, 0, 0, ImmutableSet.of(), null);
  }

  public abstract String getName();

  public abstract OpenAiConnection getConnection();

  /** Requests per minute of its budget; 0 = learned from the service. */
  public abstract long getRequestsPerMinute();

  /** Tokens per minute of its budget; 0 = learned from the service. */
  public abstract long getTokensPerMinute();

  /** The models (or Azure deployments) it serves; empty = any. */
  public abstract ImmutableSet<String> getModels();

  /** Its budget group as given; null: see {@link #budgetGroup()}. */
  abstract @Nullable String getBudget();

  public PoolMember withLimits(long requestsPerMinute, long tokensPerMinute) {
    Preconditions.checkArgument(requestsPerMinute >= 0 && tokensPerMinute >= 0, "limits must be >= 0");
    return new AutoValue_PoolMember(getName(), getConnection(), requestsPerMinute, tokensPerMinute,
        getModels(), getBudget());
  }

  /** The same member through another connection (other timeouts, say). */
  public PoolMember withConnection(OpenAiConnection connection) {
    return new AutoValue_PoolMember(getName(), connection, getRequestsPerMinute(),
        getTokensPerMinute(), getModels(), getBudget());
  }

  public PoolMember withModels(Iterable<String> models) {
    return new AutoValue_PoolMember(getName(), getConnection(), getRequestsPerMinute(),
        getTokensPerMinute(), ImmutableSet.copyOf(models), getBudget());
  }

  /** Members of one budget group share one budget: keys of one project, say. */
  public PoolMember withBudget(String group) {
    Preconditions.checkArgument(!Strings.isNullOrEmpty(group), "a budget group needs a name");
    return new AutoValue_PoolMember(getName(), getConnection(), getRequestsPerMinute(),
        getTokensPerMinute(), getModels(), group);
  }

  /**
   * The budget this member spends: the group given, else its organization and project (keys of one
   * project share one budget, OpenAI's terms), else its own.
   */
  public String budgetGroup() {
    if (getBudget() != null) {
      return getBudget();
    }
    String org = getConnection().getOrganization();
    String project = getConnection().getProject();
    if (org != null || project != null) {
      return getConnection().getBaseUrl() + " org " + org + " project " + project;
    }
    return "member " + getName();
  }

  /** Whether it serves {@code model}. */
  public boolean serves(String model) {
    return getModels().isEmpty() || getModels().contains(model);
  }

  @Override
  public String toString() {
    return "PoolMember{" + getName() + ", " + getConnection() + "}";
  }
}
