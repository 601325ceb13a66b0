package dev.openaibeam.emulator;

import java.util.SplittableRandom;

/**
 * Seeded faults. Whether a call is faulted is decided from (seed, body digest, how many times that
 * body was seen), so runs are reproducible and a retry of the same row can succeed.
 */
public final class FaultPlan {
  /** What happens to one call. */
  public enum Fault {
    NONE,
    STATUS_500,
    STATUS_503,
    RESET,
    HANG,
    TRUNCATED
  }

  private final double p500;
  private final double p503;
  private final double pReset;
  private final double pHang;
  private final double pTruncated;
  private final long seed;

  private FaultPlan(double p500, double p503, double pReset, double pHang, double pTruncated, long seed) {
    this.p500 = p500;
    this.p503 = p503;
    this.pReset = pReset;
    this.pHang = pHang;
    this.pTruncated = pTruncated;
    this.seed = seed;
  }

  public static FaultPlan none() {
    return new FaultPlan(0, 0, 0, 0, 0, 0);
  }

  public static Builder builder() {
    return new Builder();
  }

  public boolean isNone() {
    return p500 + p503 + pReset + pHang + pTruncated == 0;
  }

  Fault decide(String digest, int seenBefore) {
    if (isNone()) {
      return Fault.NONE;
    }
    long mix = seed * 0x9E3779B97F4A7C15L ^ digest.hashCode() * 0xC2B2AE3D27D4EB4FL ^ (seenBefore + 1L) * 0x165667B19E3779F9L;
    double u = new SplittableRandom(mix).nextDouble();
    if ((u -= p500) < 0) {
      return Fault.STATUS_500;
    }
    if ((u -= p503) < 0) {
      return Fault.STATUS_503;
    }
    if ((u -= pReset) < 0) {
      return Fault.RESET;
    }
    if ((u -= pHang) < 0) {
      return Fault.HANG;
    }
    if ((u -= pTruncated) < 0) {
      return Fault.TRUNCATED;
    }
    return Fault.NONE;
  }

  @Override
  public String toString() {
    return "FaultPlan{500=" + p500 + ", 503=" + p503 + ", reset=" + pReset + ", hang=" + pHang
        + ", truncated=" + pTruncated + ", seed=" + seed + "}";
  }

  /** Builder of a {@link FaultPlan}; probabilities per call. */
  public static final class Builder {
    private double p500;
    private double p503;
    private double pReset;
    private double pHang;
    private double pTruncated;
    private long seed = 1;

    public Builder status500(double p) {
      p500 = p;
      return this;
    }

    public Builder status503(double p) {
      p503 = p;
      return this;
    }

    public Builder connectionReset(double p) {
      pReset = p;
      return this;
    }

    public Builder hang(double p) {
      pHang = p;
      return this;
    }

    public Builder truncatedBody(double p) {
      pTruncated = p;
      return this;
    }

    public Builder seed(long s) {
      seed = s;
      return this;
    }

    public FaultPlan build() {
      return new FaultPlan(p500, p503, pReset, pHang, pTruncated, seed);
    }
  }
}
