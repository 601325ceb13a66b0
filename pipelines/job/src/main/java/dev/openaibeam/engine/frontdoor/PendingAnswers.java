package dev.openaibeam.engine.frontdoor;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The requests the front door has published and not yet answered, by id: the queue whose length
 * admission compares with the budget. An answer for an id nobody waits for (a duplicate after a
 * restart, a request whose client gave up) is counted and dropped here, never sent twice.
 */
final class PendingAnswers {
  private final ConcurrentMap<String, CompletableFuture<Answer>> waiting = new ConcurrentHashMap<>();

  CompletableFuture<Answer> register(String id) {
    CompletableFuture<Answer> f = new CompletableFuture<>();
    waiting.put(id, f);
    return f;
  }

  /** Completes the request {@code id}; false when nobody was waiting for it. */
  boolean complete(String id, Answer answer) {
    CompletableFuture<Answer> f = waiting.remove(id);
    return f != null && f.complete(answer);
  }

  void forget(String id) {
    waiting.remove(id);
  }

  int size() {
    return waiting.size();
  }

  /** Answers every waiting request with {@code answer} (the engine is stopping). */
  void failAll(Answer answer) {
    for (String id : waiting.keySet()) {
      complete(id, answer);
    }
  }
}
