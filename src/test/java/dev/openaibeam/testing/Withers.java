package dev.openaibeam.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/** Checks that a transform's {@code with*} methods can be called in any order. */
public final class Withers {
  private Withers() {}

  /**
   * Applies every wither to {@code start} in the given order and in many shuffled ones, and asserts
   * that {@code state} of the results is always the same. {@code withers} must name every public
   * {@code with*} method of {@code type} that returns a {@code type}, so a new one is not forgotten.
   */
  public static <T> void assertOrderFree(
      Class<T> type, T start, Map<String, UnaryOperator<T>> withers, Function<T, Object> state) {
    TreeSet<String> declared = new TreeSet<>();
    for (Method m : type.getMethods()) {
      if (m.getName().startsWith("with") && m.getReturnType() == type
          && !Modifier.isStatic(m.getModifiers())) {
        declared.add(m.getName());
      }
    }
    assertEquals(declared, new TreeSet<>(withers.keySet()), "withers of " + type.getSimpleName());
    List<UnaryOperator<T>> all = new ArrayList<>(withers.values());
    Object expected = state.apply(applyAll(start, all));
    Random random = new Random(7);
    for (int i = 0; i < 50; i++) {
      Collections.shuffle(all, random);
      assertEquals(expected, state.apply(applyAll(start, all)), "order " + i);
    }
  }

  private static <T> T applyAll(T start, List<UnaryOperator<T>> withers) {
    T t = start;
    for (UnaryOperator<T> w : withers) {
      t = w.apply(t);
    }
    return t;
  }
}
