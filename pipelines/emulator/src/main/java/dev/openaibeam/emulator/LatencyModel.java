package dev.openaibeam.emulator;

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
