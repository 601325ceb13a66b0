package dev.openaibeam.cost;

/** Which price applies: the online API's, or the Batch API's (the model's batch discount off). */
public enum PricingMode {
  ONLINE,
  BATCH
}
