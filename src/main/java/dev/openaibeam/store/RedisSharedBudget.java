package dev.openaibeam.store;

import dev.openaibeam.budget.SharedBudget;
import dev.openaibeam.budget.TokenBucket;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One budget group of one job as a worker sees it in the store. Each reserve is one run of the
 * budget script (settlements ride along with the next one, so a call costs one round trip); a
 * refusal's wait is kept so that nobody asks again before it. When the store does not answer,
 * calls take from a local fallback: this worker's share of the budget (its job's weight among the
 * jobs last seen, divided over the job's workers), starting empty, so the jobs together stay
 * inside the limit; a worker that never reached the store holds its calls until it answers.
 */
final class RedisSharedBudget implements SharedBudget {
  private static final Logger LOG = LoggerFactory.getLogger(RedisSharedBudget.class);
  /** A worker's entry is dropped after this long without contact (its share goes to the others). */
  static final long ENTRY_TTL_MS = 10_000;
  /** An idle budget's buckets expire after this (the service's windows are full again by then). */
  static final long BUCKET_TTL_MS = 120_000;
  private static final long SEEN_NANOS = TimeUnit.MILLISECONDS.toNanos(BUCKET_TTL_MS);
  private static final long FLUSH_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  private static final long TICKET_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final StoreClient client;
  private final List<String> keys;
  private final String job;
  private final double weight;

  private long notBeforeNanos = Long.MIN_VALUE;
  private long pauseUntilNanos = Long.MIN_VALUE;
  private long lastContactNanos;
  private boolean contacted;
  private long pendingRequests;
  private long pendingTokens;
  private long pendingSinceNanos;
  private long reportRpm;
  private long reportTpm;
  private long reportedRpm;
  private long reportedTpm;
  private double share = 1;
  // A call booked ahead: granted by the store, to be sent from ticketAtNanos on.
  private long ticketAtNanos = Long.MIN_VALUE;
  private long ticketTokens = -1;
  private boolean outageLogged;
  private @Nullable TokenBucket fallbackRequests;
  private @Nullable TokenBucket fallbackTokens;

  RedisSharedBudget(StoreClient client, String storeKey, String job, double weight) {
    this.client = client;
    String tag = "openai-beam:{" + storeKey + "}:";
    this.keys = List.of(tag + "buckets", tag + "workers");
    this.job = job;
    this.weight = weight;
  }

  @Override
  public synchronized long nanosUntilAsk(long nowNanos) {
    if (!client.mayTry(nowNanos)) {
      if (!contacted) {
        return StoreClient.RETRY_NANOS / 10; // holding until the store answers once
      }
      return fallbackRequests == null ? 0 : fallbackRequests.nanosUntil(1, nowNanos);
    }
    flushIfStale(nowNanos);
    if (ticketTokens >= 0) {
      return left(ticketAtNanos, nowNanos);
    }
    return Math.max(left(notBeforeNanos, nowNanos), left(pauseUntilNanos, nowNanos));
  }

  @Override
  public synchronized long reserve(long tokens, Limits limits, long nowNanos) {
    if (ticketTokens >= 0) {
      if (nowNanos - ticketAtNanos > TICKET_NANOS || tokens > ticketTokens) {
        settle(1, ticketTokens); // not used in time, or too small for this call: given back
        ticketTokens = -1;
      } else if (nowNanos < ticketAtNanos) {
        return ticketAtNanos - nowNanos;
      } else {
        settle(0, ticketTokens - tokens);
        ticketTokens = -1;
        return 0;
      }
    }
    if (client.mayTry(nowNanos)) {
      long[] r = call(limits, 1, tokens, false, false, 0, nowNanos);
      if (r != null) {
        if (r[0] == 1) {
          notBeforeNanos = Long.MIN_VALUE;
          long delay = TimeUnit.MICROSECONDS.toNanos(r[1]);
          if (delay > 0) { // booked: goes when the bucket has refilled for it
            ticketAtNanos = nowNanos + delay;
            ticketTokens = tokens;
            return delay;
          }
          return 0;
        }
        long wait = Math.max(TimeUnit.MICROSECONDS.toNanos(r[1]), 100_000);
        notBeforeNanos = nowNanos + wait;
        return wait;
      }
    }
    return fromFallback(tokens, limits, nowNanos);
  }

  @Override
  public synchronized void settle(long requests, long tokens) {
    if (fallbackRequests != null || fallbackTokens != null) {
      long now = System.nanoTime();
      if (fallbackRequests != null) {
        fallbackRequests.adjust(requests, now);
      }
      if (fallbackTokens != null) {
        fallbackTokens.adjust(tokens, now);
      }
      return;
    }
    if (pendingRequests == 0 && pendingTokens == 0) {
      pendingSinceNanos = System.nanoTime();
    }
    pendingRequests += requests;
    pendingTokens += tokens;
  }

  @Override
  public synchronized void rateLimited(
      boolean requestsKind, boolean tokensKind, long pauseMillis, Limits limits) {
    long now = System.nanoTime();
    if (fallbackRequests != null && requestsKind) {
      fallbackRequests.capLevel(0, now);
    }
    if (fallbackTokens != null && tokensKind) {
      fallbackTokens.capLevel(0, now);
    }
    if (client.mayTry(now)) {
      long[] r = call(limits, 0, 0, requestsKind, tokensKind, pauseMillis, now);
      if (r != null) {
        return;
      }
    }
    // Not shared: the worker-wide pause (WorkerThrottle) still holds this worker.
  }

  @Override
  public synchronized void reportLimits(long requestsPerMinute, long tokensPerMinute) {
    if (requestsPerMinute > 0 && requestsPerMinute != reportedRpm) {
      reportRpm = requestsPerMinute;
    }
    if (tokensPerMinute > 0 && tokensPerMinute != reportedTpm) {
      reportTpm = tokensPerMinute;
    }
  }

  @Override
  public synchronized long reportedRequestsPerMinute() {
    return reportedRpm;
  }

  @Override
  public synchronized long reportedTokensPerMinute() {
    return reportedTpm;
  }

  /** Settlements not sent for a while (no call since): sent on their own. */
  private void flushIfStale(long nowNanos) {
    if ((pendingRequests != 0 || pendingTokens != 0) && nowNanos - pendingSinceNanos > FLUSH_NANOS
        && client.mayTry(nowNanos) && lastLimits != null) {
      call(lastLimits, 0, 0, false, false, 0, nowNanos);
    }
  }

  private @Nullable Limits lastLimits;

  /** One run of the script; null when the store does not answer (then the fallback is armed). */
  private long @Nullable [] call(Limits l, long wantRequests, long wantTokens, boolean emptyRequests,
      boolean emptyTokens, long pauseMillis, long nowNanos) {
    lastLimits = l;
    boolean seen = contacted && nowNanos - lastContactNanos < SEEN_NANOS;
    List<String> args = List.of(
        job, StoreClient.WORKER, num(weight),
        num(l.requestRate()), num(l.requestCapacity()), num(l.tokenRate()), num(l.tokenCapacity()),
        Long.toString(wantRequests), Long.toString(wantTokens),
        Long.toString(pendingRequests), Long.toString(pendingTokens),
        seen ? "1" : "0", emptyRequests ? "1" : "0", emptyTokens ? "1" : "0",
        Long.toString(pauseMillis), Long.toString(reportRpm), Long.toString(reportTpm),
        Long.toString(ENTRY_TTL_MS), Long.toString(BUCKET_TTL_MS));
    List<Object> out = client.run(keys, args, nowNanos);
    if (out == null) {
      armFallback(l, nowNanos);
      return null;
    }
    long[] r = new long[out.size()];
    for (int i = 0; i < r.length; i++) {
      r[i] = (Long) out.get(i);
    }
    contacted = true;
    lastContactNanos = nowNanos;
    pendingRequests = 0;
    pendingTokens = 0;
    reportRpm = 0;
    reportTpm = 0;
    pauseUntilNanos = r[2] > 0 ? nowNanos + TimeUnit.MILLISECONDS.toNanos(r[2]) : Long.MIN_VALUE;
    reportedRpm = r[3];
    reportedTpm = r[4];
    share = Math.max(1e-6, Math.min(1, r[5] / 1e6));
    outageLogged = false;
    fallbackRequests = null;
    fallbackTokens = null;
    return r;
  }

  /** The store went away: this worker's share from now on, starting empty (no fresh burst). */
  private void armFallback(Limits l, long nowNanos) {
    if (!contacted) {
      if (!outageLogged) {
        outageLogged = true;
        LOG.warn("openai-beam: budget store {} does not answer and never has: this worker holds"
            + " its calls until it does (retried every second)", client.describeFailure());
      }
      return; // never reached it: no share known, calls are held
    }
    if (!outageLogged) {
      outageLogged = true;
      LOG.warn(String.format(Locale.ROOT, "openai-beam: budget store %s does not answer: this worker"
          + " falls back to its share of the budget, %.1f%% (%.0f RPM, %.0f TPM; its job's weight among"
          + " the jobs last seen), starting empty, until the store answers again",
          client.describeFailure(), 100 * share, l.requestRate() * share * 60, l.tokenRate() * share * 60));
    }
    // What was to be settled belonged to the store's buckets, gone with them.
    pendingRequests = 0;
    pendingTokens = 0;
    if (fallbackRequests == null && l.requestRate() > 0) {
      fallbackRequests = new TokenBucket(Math.max(1, l.requestCapacity() * share), l.requestRate() * share, nowNanos);
      fallbackRequests.capLevel(0, nowNanos);
    }
    if (fallbackTokens == null && l.tokenRate() > 0) {
      fallbackTokens = new TokenBucket(Math.max(1, l.tokenCapacity() * share), l.tokenRate() * share, nowNanos);
      fallbackTokens.capLevel(0, nowNanos);
    }
  }

  private long fromFallback(long tokens, Limits l, long nowNanos) {
    if (!contacted) {
      return Math.max(StoreClient.RETRY_NANOS / 10, 1); // hold until the store answers once
    }
    armFallback(l, nowNanos);
    long wait = 0;
    if (fallbackRequests != null) {
      wait = fallbackRequests.nanosUntil(1, nowNanos);
    }
    if (fallbackTokens != null) {
      wait = Math.max(wait, fallbackTokens.nanosUntil(tokens, nowNanos));
    }
    if (wait > 0) {
      return wait;
    }
    if (fallbackRequests != null) {
      fallbackRequests.take(1, nowNanos);
    }
    if (fallbackTokens != null) {
      fallbackTokens.take(tokens, nowNanos);
    }
    return 0;
  }

  /** This worker's share of the budget in the fallback (for tests and the log). */
  synchronized double share() {
    return share;
  }

  private static long left(long untilNanos, long nowNanos) {
    return untilNanos == Long.MIN_VALUE ? 0 : Math.max(0, untilNanos - nowNanos);
  }

  private static String num(double v) {
    return String.format(Locale.ROOT, "%.6f", v);
  }
}
