package dev.openaibeam.budget;

/**
 * A shard's calls in the order they were charged (1, 2, 3, ...) and which of them are answered:
 * for a call being answered, how many calls charged after it (and their tokens) were answered
 * before it. The service counted those before it, as a rule, so a window report's remaining
 * already excludes them and they must not be taken off it again (measured on Flink local: a cold
 * start's burst of 100 calls reached the service over 300 ms in scrambled order).
 *
 * <p>Only calls from the oldest unanswered one on are kept: a ring that grows with the calls in
 * flight, with Fenwick trees for the sums. Not thread-safe (the pacer's thread only).
 */
final class SendOrder {
  private static final int MAX_SLOTS = 1 << 20;

  private int slots = 1 << 10; // a power of two
  private long[] countTree;
  private long[] tokenTree;
  private long[] charge;
  private boolean[] answered;
  private long oldest = 1; // the oldest call not answered yet (or forgotten)
  private long latest; // the last call charged
  private long answeredCount; // answered calls from oldest to latest
  private long answeredTokens;

  SendOrder() {
    allocate();
  }

  /** Call {@code seq} was charged {@code tokens}; calls come in order, one number apart. */
  void sent(long seq, long tokens) {
    if (seq != latest + 1) {
      clear(seq);
    }
    while (seq - oldest >= slots) {
      if (slots < MAX_SLOTS) {
        grow();
      } else {
        forgetOldest(); // an answer never came (or is very late): it is counted as not answered
      }
    }
    int slot = slot(seq);
    charge[slot] = tokens;
    answered[slot] = false;
    latest = seq;
  }

  /** The calls charged after {@code seq} that are answered, and their tokens: {count, tokens}. */
  long[] answeredAfter(long seq) {
    if (seq < oldest || seq > latest) {
      return new long[] {0, 0};
    }
    return new long[] {answeredCount - sum(countTree, seq), answeredTokens - sum(tokenTree, seq)};
  }

  /** Call {@code seq} is answered (a number not kept any more is ignored). */
  void answered(long seq) {
    if (seq < oldest || seq > latest || answered[slot(seq)]) {
      return;
    }
    int slot = slot(seq);
    answered[slot] = true;
    add(slot, 1, charge[slot]);
    while (oldest <= latest && answered[slot(oldest)]) {
      forgetOldest();
    }
  }

  private void forgetOldest() {
    int slot = slot(oldest);
    if (answered[slot]) {
      add(slot, -1, -charge[slot]);
      answered[slot] = false;
    }
    oldest++;
  }

  /** The sum over the calls from the oldest kept to {@code seq}, which the ring holds. */
  private long sum(long[] tree, long seq) {
    int from = slot(oldest);
    int to = slot(seq);
    long s = prefix(tree, to) - prefix(tree, from - 1);
    return from <= to ? s : s + prefix(tree, slots - 1);
  }

  private void add(int slot, long count, long tokens) {
    answeredCount += count;
    answeredTokens += tokens;
    for (int i = slot + 1; i <= slots; i += i & -i) {
      countTree[i] += count;
      tokenTree[i] += tokens;
    }
  }

  private static long prefix(long[] tree, int slot) {
    long s = 0;
    for (int i = slot + 1; i > 0; i -= i & -i) {
      s += tree[i];
    }
    return s;
  }

  private int slot(long seq) {
    return (int) (seq & (slots - 1));
  }

  private void grow() {
    long[] oldCharge = charge;
    boolean[] oldAnswered = answered;
    int oldSlots = slots;
    slots *= 2;
    allocate();
    for (long s = oldest; s <= latest; s++) {
      int was = (int) (s & (oldSlots - 1));
      int slot = slot(s);
      charge[slot] = oldCharge[was];
      if (oldAnswered[was]) {
        answered[slot] = true;
        add(slot, 1, charge[slot]);
      }
    }
  }

  private void clear(long next) {
    allocate();
    oldest = next;
    latest = next - 1;
  }

  /** Empty arrays for {@code slots} calls, nothing answered. */
  private void allocate() {
    countTree = new long[slots + 1];
    tokenTree = new long[slots + 1];
    charge = new long[slots];
    answered = new boolean[slots];
    answeredCount = 0;
    answeredTokens = 0;
  }
}
