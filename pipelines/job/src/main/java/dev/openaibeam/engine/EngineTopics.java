package dev.openaibeam.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/** Creates the engine's topics when they do not exist yet, before anything reads or writes them. */
public final class EngineTopics {
  private EngineTopics() {}

  public static void ensure(String bootstrapServers, int partitions, String... topics) {
    try (Admin admin = Admin.create(Map.of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60_000))) {
      Set<String> existing = admin.listTopics().names().get(60, TimeUnit.SECONDS);
      List<NewTopic> missing = new ArrayList<>();
      for (String t : topics) {
        if (!existing.contains(t)) {
          missing.add(new NewTopic(t, partitions, (short) 1));
        }
      }
      if (!missing.isEmpty()) {
        try {
          admin.createTopics(missing).all().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
            throw e;
          }
        }
      }
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot reach Kafka at " + bootstrapServers + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
