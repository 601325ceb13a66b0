package dev.openaibeam.cost;

/**
 * One budget shard's dollar account on the instance that runs it: settled (answers priced from
 * their usage) plus reserved (worst case of calls in flight) must stay within the shard's cap.
 */
final class ShardSpend {
  private final long capNanos;
  long settledNanos;
  long reservedNanos;
  boolean capped;
  long writtenSequence = -1;

  ShardSpend(long capNanos) {
    this.capNanos = capNanos;
  }

  /** Continues from a snapshot written elsewhere: its reservations count as spent (we cannot see them settle). */
  static ShardSpend restored(long capNanos, SpendSnapshot s) {
    ShardSpend spend = new ShardSpend(capNanos);
    spend.settledNanos = s.settledNanos + s.reservedNanos;
    spend.capped = s.capped;
    return spend;
  }

  boolean tryReserve(long nanos) {
    if (capped || settledNanos + reservedNanos + nanos > capNanos) {
      return false;
    }
    reservedNanos += nanos;
    return true;
  }

  /** Replaces a call's reservation with what its answer really cost. */
  void settle(long reserved, long actual) {
    reservedNanos = Math.max(0, reservedNanos - reserved);
    settledNanos += actual;
  }

  long capNanos() {
    return capNanos;
  }
}
