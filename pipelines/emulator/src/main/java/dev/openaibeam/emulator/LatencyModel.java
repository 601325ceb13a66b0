package dev.openaibeam.emulator;

import java.util.Arrays;
import java.util.Random;

/** How long the emulator takes to answer an accepted call. */
public abstract class LatencyModel {
  public abstract long sampleMillis(Random random);

  public static LatencyModel none() {
    return fixed(0);
  }

  public static LatencyModel fixed(long millis) {
    return new LatencyModel() {
      @Override
      public long sampleMillis(Random random) {
        return millis;
      }

      @Override
      public String toString() {
        return "fixed(" + millis + "ms)";
      }
    };
  }

  /**
   * The first calls take the given times, in the order the emulator takes them, every later one
   * {@code otherwise}: one slow call among fast ones, for tests of what waits for what.
   */
  public static LatencyModel scripted(long otherwise, long... firstCalls) {
    long[] first = firstCalls.clone();
    return new LatencyModel() {
      private int taken;

      @Override
      public long sampleMillis(Random random) {
        return taken < first.length ? first[taken++] : otherwise;
      }

      @Override
      public String toString() {
        return "scripted(" + Arrays.toString(first) + ", then " + otherwise + "ms)";
      }
    };
  }

  public static LatencyModel uniform(long minMillis, long maxMillis) {
    return new LatencyModel() {
      @Override
      public long sampleMillis(Random random) {
        return minMillis + (maxMillis > minMillis ? (long) (random.nextDouble() * (maxMillis - minMillis)) : 0);
      }

      @Override
      public String toString() {
        return "uniform(" + minMillis + "-" + maxMillis + "ms)";
      }
    };
  }

  public static LatencyModel normal(long meanMillis, long sdMillis) {
    return new LatencyModel() {
      @Override
      public long sampleMillis(Random random) {
        return Math.max(0, Math.round(meanMillis + random.nextGaussian() * sdMillis));
      }

      @Override
      public String toString() {
        return "normal(" + meanMillis + "±" + sdMillis + "ms)";
      }
    };
  }
}
