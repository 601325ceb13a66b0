package dev.openaibeam.engine.frontdoor;

/** Where the front door listens, which topics it uses, and when it refuses with 429. */
public record FrontDoorConfig(
    int port,
    String bootstrapServers,
    String requestsTopic,
    String resultsTopic,
    String failuresTopic,
    int maxConcurrentRequests,
    double maxQueueSeconds,
    double requestsPerMinute,
    int answerTimeoutSeconds) {}
