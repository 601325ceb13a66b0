package dev.openaibeam.pool;

import com.google.auto.value.AutoValue;
import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import dev.openaibeam.connection.OpenAiConnection;
import java.io.Serializable;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.transforms.display.DisplayData;

/**
 * The keys, accounts and deployments one {@code OpenAiCall} spreads its calls over. Each call goes
 * to a member that serves its model and has the most of its budget left; members of one budget
 * group share one budget (keys of one project add no capacity: the service's terms forbid
 * pretending otherwise). A single connection is a pool of one.
 *
 * <pre>{@code
 * KeyPool pool = KeyPool.of(
 *     PoolMember.of("org-a", OpenAiConnection.openAi().withApiKey(ApiKeySource.fromEnv("KEY_A")))
 *         .withLimits(3_000, 1_000_000),
 *     PoolMember.of("azure-west", OpenAiConnection.to("https://x.openai.azure.com")
 *             .withAzure("2024-10-21").withApiKey(ApiKeySource.fromEnv("AZURE_KEY")))
 *         .withLimits(1_000, 200_000).withModels(List.of("gpt-4o-mini")));
 * OpenAiCall.of(pool);
 * }</pre>
 *
 * <p>Or from a file: {@link KeyPoolFile#read(String)}.
 */
@AutoValue
public abstract class KeyPool implements Serializable {
  public static KeyPool of(PoolMember... members) {
    return of(List.of(members));
  }

  public static KeyPool of(List<PoolMember> members) {
    Preconditions.checkArgument(!members.isEmpty(), "a key pool needs at least one member");
    Set<String> names = new HashSet<>();
    for (PoolMember m : members) {
      Preconditions.checkArgument(names.add(m.getName()), "two pool members are named %s", m.getName());
    }
    return new AutoValue_KeyPool(ImmutableList.copyOf(members));
  }

  /** A pool of one member: the single-key case. */
  public static KeyPool single(OpenAiConnection connection) {
    return of(PoolMember.of("default", connection));
  }

  public abstract ImmutableList<PoolMember> getMembers();

  public boolean isSingle() {
    return getMembers().size() == 1;
  }

  public PoolMember member(String name) {
    for (PoolMember m : getMembers()) {
      if (m.getName().equals(name)) {
        return m;
      }
    }
    throw new IllegalArgumentException("no pool member named " + name);
  }

  /** The budget groups, each with the members that spend it, in the order they first appear. */
  public Map<String, List<PoolMember>> groups() {
    Map<String, List<PoolMember>> groups = new LinkedHashMap<>();
    for (PoolMember m : getMembers()) {
      groups.computeIfAbsent(m.budgetGroup(), g -> new java.util.ArrayList<>()).add(m);
    }
    return groups;
  }

  /** Who pays, for all members: part of the budget id, so pools of different payers never mix. */
  public String payerIdentity() {
    StringBuilder s = new StringBuilder();
    for (PoolMember m : getMembers()) {
      s.append(isSingle() ? "" : m.budgetGroup() + "=").append(m.getConnection().budgetIdentity()).append('\n');
    }
    return s.toString().trim();
  }

  /** Checks what can be checked before anything is sent. */
  public void validate() {
    for (PoolMember m : getMembers()) {
      m.getConnection().validate();
    }
  }

  /** Display data without secrets: each member's name, base URL and key source. */
  public void populateDisplayData(DisplayData.Builder builder) {
    if (isSingle()) {
      getMembers().get(0).getConnection().populateDisplayData(builder);
      return;
    }
    for (PoolMember m : getMembers()) {
      builder.add(DisplayData.item("member." + m.getName(),
              m.getConnection().getBaseUrl() + " key from " + m.getConnection().getKeySource().describe()
                  + " budget " + m.budgetGroup())
          .withLabel("Pool member " + m.getName()));
    }
  }
}
