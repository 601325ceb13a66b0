package dev.openaibeam.call;

import dev.openaibeam.api.ApiFailure;
import dev.openaibeam.api.ApiResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.TupleTag;
import org.joda.time.Instant;

/**
 * The calls of one {@link StreamingCallFn} transform on one worker JVM, shared by all its DoFn
 * instances there. Runners such as the direct runner and Dataflow give a key's elements and timers
 * to whichever instance (thread) is free, so the calls a key's timer must emit can have been made
 * by another instance: keeping them per JVM lets any instance emit them, and tells a key that moved
 * here (its requests in state were taken elsewhere, or before a restore) from one whose calls are
 * still out here. Every use holds this object's lock; the HTTP I/O runs outside it.
 */
final class WorkerCalls {
  /** Where a request's outcome goes, and its entry in state. */
  record Origin(String key, BoundedWindow window, String slot, Instant timestamp) {
    KeyWindow keyWindow() {
      return new KeyWindow(key, window);
    }
  }

  record KeyWindow(String key, BoundedWindow window) {}

  /** An outcome waiting for its key's timer (a null tag: settled with nothing to emit). */
  record Ready<T>(TupleTag<T> tag, T value, Origin origin) {}

  private static final Map<String, WorkerCalls> BY_RUN = new HashMap<>();

  /** Names this JVM's calls in state: a key whose state names another took its requests elsewhere. */
  final String id = UUID.randomUUID().toString();
  final CallingInstance<Origin> calling;
  private final Map<KeyWindow, OpenSlots<Ready<?>>> open = new HashMap<>();
  private final String runToken;
  private int users;

  private WorkerCalls(
      CallConfiguration configuration,
      String runToken,
      TupleTag<ApiResponse> responsesTag,
      TupleTag<ApiFailure> failuresTag) {
    this.runToken = runToken;
    calling =
        new CallingInstance<>(configuration, runToken, responsesTag, failuresTag,
            new CallingInstance.Outputs<>() {
              @Override
              public <T> void add(TupleTag<T> tag, T value, Origin origin) {
                slots(origin.keyWindow()).ready(new Ready<>(tag, value, origin));
              }

              @Override
              public void leftUnanswered(Origin origin) {
                slots(origin.keyWindow()).ready(new Ready<>(null, null, origin));
              }
            });
  }

  /** This JVM's calls of the transform {@code runToken} names, made on first use. */
  static WorkerCalls acquire(
      CallConfiguration configuration,
      String runToken,
      TupleTag<ApiResponse> responsesTag,
      TupleTag<ApiFailure> failuresTag) {
    synchronized (BY_RUN) {
      WorkerCalls w = BY_RUN.computeIfAbsent(
          runToken, t -> new WorkerCalls(configuration, t, responsesTag, failuresTag));
      w.users++;
      return w;
    }
  }

  /** The last instance to let go closes the clients (after journaling what is still paid for). */
  void release() {
    synchronized (BY_RUN) {
      if (--users > 0) {
        return;
      }
      BY_RUN.remove(runToken);
    }
    synchronized (this) {
      calling.close();
    }
  }

  OpenSlots<Ready<?>> slots(KeyWindow kw) {
    return open.computeIfAbsent(kw, k -> new OpenSlots<>());
  }

  void forget(KeyWindow kw) {
    open.remove(kw);
  }
}
