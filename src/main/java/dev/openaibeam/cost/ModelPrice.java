package dev.openaibeam.cost;

import java.io.Serializable;

/**
 * What one model costs, in US dollars per million tokens: input, cached input (the prompt-cache
 * price; equal to input when the model has no cache discount) and output, plus the Batch API's
 * discount as a fraction (0.5: the batch price is half the online price).
 */
public record ModelPrice(
    double inputPerMillion,
    double cachedInputPerMillion,
    double outputPerMillion,
    double batchDiscount)
    implements Serializable {
  public static final double DEFAULT_BATCH_DISCOUNT = 0.5;

  public ModelPrice {
    if (inputPerMillion < 0 || cachedInputPerMillion < 0 || outputPerMillion < 0) {
      throw new IllegalArgumentException("prices must be >= 0");
    }
    if (batchDiscount < 0 || batchDiscount > 1) {
      throw new IllegalArgumentException("batch discount must be in [0, 1], got " + batchDiscount);
    }
  }

  /** Input, output; no cache discount; the default batch discount. */
  public static ModelPrice of(double inputPerMillion, double outputPerMillion) {
    return new ModelPrice(inputPerMillion, inputPerMillion, outputPerMillion, DEFAULT_BATCH_DISCOUNT);
  }

  public ModelPrice withCachedInput(double perMillion) {
    return new ModelPrice(inputPerMillion, perMillion, outputPerMillion, batchDiscount);
  }

  public ModelPrice withBatchDiscount(double discount) {
    return new ModelPrice(inputPerMillion, cachedInputPerMillion, outputPerMillion, discount);
  }

  /**
   * The cost of {@code usage} in nano-dollars (10^-9 USD). A token at P dollars per million costs P
   * x 1,000 nano-dollars, so per-call rounding to whole nano-dollars loses nothing that matters.
   */
  public long nanoUsd(TokenUsage usage, PricingMode mode) {
    double perMillion =
        usage.uncachedInputTokens() * inputPerMillion
            + usage.cachedInputTokens() * cachedInputPerMillion
            + usage.outputTokens() * outputPerMillion;
    double factor = mode == PricingMode.BATCH ? 1 - batchDiscount : 1;
    return Math.round(perMillion * 1000 * factor);
  }

  /** The cost of {@code usage} in US dollars. */
  public double usd(TokenUsage usage, PricingMode mode) {
    return Usd.fromNanos(nanoUsd(usage, mode));
  }
}
