package dev.openaibeam.store;

import com.google.common.base.Strings;
import com.google.common.io.Resources;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * One worker's (JVM's) connection to a budget store: a small pool, the budget script loaded once
 * and run by its SHA, and whether the store answers. A store that fails is asked again after
 * {@link #RETRY_NANOS}, not at every call; that it is down and that it is back are logged once each.
 */
final class StoreClient {
  private static final Logger LOG = LoggerFactory.getLogger(StoreClient.class);
  private static final ConcurrentMap<BudgetStore, StoreClient> CLIENTS = new ConcurrentHashMap<>();
  static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final int TIMEOUT_MS = 500;
  /** This worker in the store's entries: one per JVM. */
  static final String WORKER = UUID.randomUUID().toString().substring(0, 8);
  static final String SCRIPT = loadScript();

  private final BudgetStore store;
  private final JedisPool pool;
  private final ConcurrentMap<String, RedisSharedBudget> budgets = new ConcurrentHashMap<>();
  private final AtomicLong roundTrips = new AtomicLong();
  private volatile @Nullable String sha;
  private volatile long downUntilNanos = Long.MIN_VALUE;
  private volatile boolean down;
  private volatile String lastFailure = "";

  static StoreClient of(BudgetStore store) {
    return CLIENTS.computeIfAbsent(store, StoreClient::new);
  }

  private StoreClient(BudgetStore store) {
    this.store = store;
    DefaultJedisClientConfig.Builder c = DefaultJedisClientConfig.builder()
        .connectionTimeoutMillis(TIMEOUT_MS)
        .socketTimeoutMillis(TIMEOUT_MS)
        .database(store.database())
        .ssl(store.tls())
        .clientName("openai-beam");
    String password = password(store);
    if (password != null) {
      c.password(password);
      if (store.user() != null) {
        c.user(store.user());
      }
    }
    GenericObjectPoolConfig<Jedis> p = new GenericObjectPoolConfig<>();
    p.setMaxTotal(16);
    p.setMaxIdle(16);
    p.setMaxWait(java.time.Duration.ofMillis(TIMEOUT_MS));
    p.setJmxEnabled(false);
    this.pool = new JedisPool(p, new HostAndPort(store.host(), store.port()), c.build());
  }

  RedisSharedBudget budget(String storeKey, String job, double weight) {
    return budgets.computeIfAbsent(storeKey + "/" + job, k -> new RedisSharedBudget(this, storeKey, job, weight));
  }

  /** Whether to try the store now: it answered last time, or its retry time has come. */
  boolean mayTry(long nowNanos) {
    return !down || nowNanos - downUntilNanos >= 0;
  }

  /** Runs the budget script; null when the store does not answer (then logged once, retried later). */
  @Nullable List<Object> run(List<String> keys, List<String> args, long nowNanos) {
    try (Jedis j = pool.getResource()) {
      roundTrips.incrementAndGet();
      Object out;
      try {
        out = j.evalsha(sha(j), keys, args);
      } catch (JedisNoScriptException e) { // the store restarted: load the script again
        sha = null;
        roundTrips.incrementAndGet();
        out = j.evalsha(sha(j), keys, args);
      }
      if (down) {
        down = false;
        LOG.warn("openai-beam: budget store {} answers again: the shared budget is back in force",
            store.describe());
      }
      @SuppressWarnings("unchecked")
      List<Object> list = (List<Object>) out;
      return list;
    } catch (RuntimeException e) {
      lastFailure = e.getClass().getSimpleName(); // never the message: it may quote a password
      down = true;
      downUntilNanos = nowNanos + RETRY_NANOS;
      return null;
    }
  }

  /** Where the store is and why it did not answer last, for the one log line of an outage. */
  String describeFailure() {
    return store.describe() + " (" + lastFailure + ")";
  }

  private String sha(Jedis j) {
    String s = sha;
    if (s == null) {
      s = j.scriptLoad(SCRIPT);
      sha = s;
    }
    return s;
  }

  /** Round trips to the store from this worker so far (every budget, every job). */
  long roundTrips() {
    return roundTrips.get();
  }

  /** Round trips of this worker to every store it used. */
  static long allRoundTrips() {
    return CLIENTS.values().stream().mapToLong(StoreClient::roundTrips).sum();
  }

  private static @Nullable String password(BudgetStore s) {
    if (s.passwordEnv() != null) {
      String v = System.getenv(s.passwordEnv());
      if (Strings.isNullOrEmpty(v)) {
        throw new IllegalStateException("the budget store's password variable " + s.passwordEnv()
            + " is not set on this worker");
      }
      return v.trim();
    }
    if (s.passwordFile() != null) {
      try {
        List<String> lines = Files.readAllLines(Path.of(s.passwordFile()), StandardCharsets.UTF_8);
        if (lines.isEmpty() || lines.get(0).isBlank()) {
          throw new IllegalStateException("the budget store's password file " + s.passwordFile() + " is empty");
        }
        return lines.get(0).trim();
      } catch (IOException e) {
        throw new IllegalStateException("cannot read the budget store's password file "
            + s.passwordFile() + ": " + e.getClass().getSimpleName());
      }
    }
    return null;
  }

  private static String loadScript() {
    try {
      return Resources.toString(
          Resources.getResource(StoreClient.class, "budget.lua"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("budget.lua missing from the library", e);
    }
  }
}
