package dev.openaibeam.call;

import java.util.ArrayDeque;

/**
 * The attempts one instance has out, in the order they were sent: how many, and how long the
 * oldest has been out (which tells the in-flight limit that calls are slow before the first slow
 * answer is back). The queue is cleaned lazily: an attempt answered since stays in it until it
 * reaches the head.
 */
final class OutstandingCalls<O> {
  private record Sent<O>(PendingCall<O> call, int attempt, long atNanos) {}

  private final ArrayDeque<Sent<O>> inSendOrder = new ArrayDeque<>();
  private int count;

  void sent(PendingCall<O> call, long nowNanos) {
    call.outstanding = true;
    inSendOrder.addLast(new Sent<>(call, call.attempts, nowNanos));
    count++;
  }

  void answered(PendingCall<O> call) {
    call.outstanding = false;
    count--;
  }

  int count() {
    return count;
  }

  long oldestAgeNanos(long nowNanos) {
    Sent<O> head;
    while ((head = inSendOrder.peekFirst()) != null
        && (!head.call().outstanding || head.call().attempts != head.attempt())) {
      inSendOrder.pollFirst();
    }
    return head == null ? 0 : nowNanos - head.atNanos();
  }
}
