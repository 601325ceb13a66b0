package dev.openaibeam.emulator;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** What the emulator enforces and how it misbehaves. Immutable; see {@link #builder()}. */
public final class EmulatorConfig {
  /** Per-key limits (0 = none). */
  public static final class Limits {
    final long rpm;
    final long tpm;

    Limits(long rpm, long tpm) {
      this.rpm = rpm;
      this.tpm = tpm;
    }
  }

  final int port;
  final Limits limits;
  final double windowSeconds;
  final LatencyModel latency;
  final FaultPlan faults;
  final Set<String> acceptedKeys;
  final Set<String> quotaExhaustedKeys;
  final Map<String, Limits> keyLimits;
  final Map<String, Long> quotaAfterCalls;
  final Map<String, String> accounts;
  final long hangMillis;
  final long latencySeed;
  final BatchBehaviour batch;
  final RateLimitHeaderKind rateLimitHeaders;
  final boolean strictModels;
  final Set<String> models;

  private EmulatorConfig(Builder b) {
    this.port = b.port;
    this.limits = new Limits(b.rpm, b.tpm);
    this.windowSeconds = b.windowSeconds;
    this.latency = b.latency;
    this.faults = b.faults;
    this.acceptedKeys = Set.copyOf(b.acceptedKeys);
    this.quotaExhaustedKeys = Set.copyOf(b.quotaExhaustedKeys);
    this.keyLimits = Map.copyOf(b.keyLimits);
    this.quotaAfterCalls = Map.copyOf(b.quotaAfterCalls);
    this.accounts = Map.copyOf(b.accounts);
    this.hangMillis = b.hangMillis;
    this.latencySeed = b.latencySeed;
    this.batch = b.batch;
    this.rateLimitHeaders = b.rateLimitHeaders;
    this.strictModels = b.strictModels;
    this.models = Set.copyOf(b.models);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Whose buckets a key's calls draw from: its account's (the first key named with it), else its own. */
  String accountOf(String key) {
    return accounts.getOrDefault(key, key);
  }

  Limits limitsFor(String key) {
    return keyLimits.getOrDefault(key, limits);
  }

  /** The calls {@code key} is accepted for before it is out of quota ({@link KeyBuckets#NO_QUOTA}: no end). */
  long quotaCallsFor(String key) {
    return quotaAfterCalls.getOrDefault(key, KeyBuckets.NO_QUOTA);
  }

  @Override
  public String toString() {
    return "EmulatorConfig{rpm=" + limits.rpm + ", tpm=" + limits.tpm + ", window=" + windowSeconds
        + "s, rateLimitHeaders=" + rateLimitHeaders.name().toLowerCase(Locale.ROOT)
        + (strictModels ? ", strictModels" : "") + (models.isEmpty() ? "" : ", models=" + models.size())
        + ", latency=" + latency + ", faults=" + faults + "}";
  }

  /**
   * Parses {@code --port --rpm --tpm --window --rateLimitHeaders=minute|window|none --latencyMs
   * --latencyJitterMs --fault500 --fault503 --faultReset --faultHang --faultTruncated --seed
   * --keys=a,b --quotaKeys=c --quotaAfterCalls=d:300,e:10 --hangMs --strictModels[=true|false] --models=a,b}, and for the Batch API {@code --batchValidatingMs
   * --batchInProgressMs --batchFinalizingMs --batchLineFailureRate --batchExpireAfterLines
   * --batchCancelAfterLines --batchOmitUnfinished --batchTokenLimit --batchSeed} (see {@link
   * BatchBehaviour#with}).
   */
  public static EmulatorConfig fromArgs(String[] args) {
    Builder b = builder();
    long latency = 0;
    long jitter = 0;
    FaultPlan.Builder faults = FaultPlan.builder();
    for (String a : args) {
      if (a.equals("--strictModels")) { // the one option that may stand alone
        a = "--strictModels=true";
      }
      if (!a.startsWith("--") || !a.contains("=")) {
        continue;
      }
      String k = a.substring(2, a.indexOf('='));
      String v = a.substring(a.indexOf('=') + 1);
      switch (k) {
        case "port": b.port(Integer.parseInt(v)); break;
        case "rpm": b.rpm(Long.parseLong(v)); break;
        case "tpm": b.tpm(Long.parseLong(v)); break;
        case "window": b.windowSeconds(Double.parseDouble(v)); break;
        case "rateLimitHeaders": b.rateLimitHeaders(RateLimitHeaderKind.parse(v)); break;
        case "latencyMs": latency = Long.parseLong(v); break;
        case "latencyJitterMs": jitter = Long.parseLong(v); break;
        case "fault500": faults.status500(Double.parseDouble(v)); break;
        case "fault503": faults.status503(Double.parseDouble(v)); break;
        case "faultReset": faults.connectionReset(Double.parseDouble(v)); break;
        case "faultHang": faults.hang(Double.parseDouble(v)); break;
        case "faultTruncated": faults.truncatedBody(Double.parseDouble(v)); break;
        case "seed": faults.seed(Long.parseLong(v)); b.latencySeed = Long.parseLong(v); break;
        case "keys": b.acceptedKeys(v.isEmpty() ? Set.of() : Set.of(v.split(","))); break;
        case "quotaKeys": b.quotaExhaustedKeys(v.isEmpty() ? Set.of() : Set.of(v.split(","))); break;
        case "quotaAfterCalls": quotaAfterCalls(b, v); break;
        case "hangMs": b.hangMillis(Long.parseLong(v)); break;
        case "strictModels": b.strictModels(Boolean.parseBoolean(v)); break;
        case "models": b.models(v.isEmpty() ? Set.of() : Set.of(v.split(","))); break;
        case "portFile": break;
        case "batchValidatingMs": b.batch = b.batch.with("validatingMs", v); break;
        case "batchInProgressMs": b.batch = b.batch.with("inProgressMs", v); break;
        case "batchFinalizingMs": b.batch = b.batch.with("finalizingMs", v); break;
        case "batchLineFailureRate": b.batch = b.batch.with("lineFailureRate", v); break;
        case "batchExpireAfterLines": b.batch = b.batch.with("expireAfterLines", v); break;
        case "batchCancelAfterLines": b.batch = b.batch.with("cancelAfterLines", v); break;
        case "batchOmitUnfinished": b.batch = b.batch.with("omitUnfinished", v); break;
        case "batchTokenLimit": b.batch = b.batch.with("tokenLimit", v); break;
        case "batchSeed": b.batch = b.batch.with("seed", v); break;
        default: throw new IllegalArgumentException("unknown emulator option --" + k);
      }
    }
    b.latency(jitter > 0 ? LatencyModel.uniform(Math.max(0, latency - jitter), latency + jitter)
        : LatencyModel.fixed(latency));
    b.faults(faults.build());
    return b.build();
  }

  /** {@code KEY:N[,KEY:N...]} (a key's last colon ends it) into {@link Builder#quotaAfterCalls}. */
  private static void quotaAfterCalls(Builder b, String v) {
    for (String entry : v.isEmpty() ? new String[0] : v.split(",")) {
      int colon = entry.lastIndexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException("--quotaAfterCalls takes KEY:CALLS[,KEY:CALLS], found an"
            + " entry without a colon");
      }
      b.quotaAfterCalls(entry.substring(0, colon), Long.parseLong(entry.substring(colon + 1)));
    }
  }

  /** Builder of an {@link EmulatorConfig}. */
  public static final class Builder {
    private int port;
    private long rpm;
    private long tpm;
    private double windowSeconds = 1.0;
    private LatencyModel latency = LatencyModel.none();
    private FaultPlan faults = FaultPlan.none();
    private Set<String> acceptedKeys = Set.of();
    private Set<String> quotaExhaustedKeys = Set.of();
    private final Map<String, Limits> keyLimits = new HashMap<>();
    private final Map<String, Long> quotaAfterCalls = new HashMap<>();
    private final Map<String, String> accounts = new HashMap<>();
    private long hangMillis = 120_000;
    private long latencySeed = 1;
    private BatchBehaviour batch = BatchBehaviour.defaults();
    private RateLimitHeaderKind rateLimitHeaders = RateLimitHeaderKind.MINUTE;
    private boolean strictModels;
    private final Set<String> models = new LinkedHashSet<>();

    public Builder port(int p) {
      port = p;
      return this;
    }

    /** Requests per minute per key; 0 = unlimited. */
    public Builder rpm(long v) {
      rpm = v;
      return this;
    }

    /** Tokens per minute per key; 0 = unlimited. */
    public Builder tpm(long v) {
      tpm = v;
      return this;
    }

    /** The enforcement window: bucket capacity = limit × window / 60. */
    public Builder windowSeconds(double s) {
      windowSeconds = s;
      return this;
    }

    /**
     * How remaining capacity is reported (default {@link RateLimitHeaderKind#MINUTE}, as OpenAI);
     * enforcement is the same for every kind.
     */
    public Builder rateLimitHeaders(RateLimitHeaderKind kind) {
      rateLimitHeaders = Objects.requireNonNull(kind);
      return this;
    }

    public Builder latency(LatencyModel m) {
      latency = m;
      return this;
    }

    public Builder faults(FaultPlan f) {
      faults = f;
      return this;
    }

    /** Keys accepted; empty = any non-empty key. */
    public Builder acceptedKeys(Set<String> keys) {
      acceptedKeys = keys;
      return this;
    }

    /** Keys whose account is out of quota (429 insufficient_quota). */
    public Builder quotaExhaustedKeys(Set<String> keys) {
      quotaExhaustedKeys = keys;
      return this;
    }

    /**
     * These keys belong to one account (as the keys of one OpenAI project do): their calls draw
     * from one set of buckets, the first key's limits; each key keeps its own stats.
     */
    public Builder sameAccount(String... keys) {
      for (String k : keys) {
        accounts.put(Objects.requireNonNull(k), keys[0]);
      }
      return this;
    }

    public Builder keyLimits(String key, long keyRpm, long keyTpm) {
      keyLimits.put(key, new Limits(keyRpm, keyTpm));
      return this;
    }

    /**
     * The key's account has quota for {@code n} accepted (200) calls: after them every call with
     * it is a 429 {@code insufficient_quota}, as for {@link #quotaExhaustedKeys} (0: from the
     * first call). The key is accepted even when {@link #acceptedKeys} does not name it. A reset
     * of the stats restores the quota.
     */
    public Builder quotaAfterCalls(String key, long n) {
      if (n < 0) {
        throw new IllegalArgumentException("quotaAfterCalls takes a number of calls >= 0");
      }
      quotaAfterCalls.put(Objects.requireNonNull(key), n);
      return this;
    }

    public Builder hangMillis(long ms) {
      hangMillis = ms;
      return this;
    }

    /** How the Files and Batches endpoints behave (timing, per-line failures, expiry). */
    public Builder batch(BatchBehaviour b) {
      batch = b;
      return this;
    }

    /**
     * Whether only real model names exist (default false). When false every model exists except
     * {@code does-not-exist} and {@code missing-*} (a 404 {@code model_not_found}); when true only
     * the catalogue of real OpenAI models (their dated snapshots and {@code ft:} fine-tunes) and
     * the names given to {@link #models}. Azure deployment names are accepted in both modes.
     */
    public Builder strictModels(boolean strict) {
      strictModels = strict;
      return this;
    }

    /** Model names added to the catalogue (listed by {@code /v1/models}, accepted when strict). */
    public Builder models(Collection<String> names) {
      models.addAll(names);
      return this;
    }

    public EmulatorConfig build() {
      if (windowSeconds <= 0 || windowSeconds > 60) {
        throw new IllegalArgumentException("window must be in (0, 60] seconds");
      }
      return new EmulatorConfig(this);
    }
  }
}
