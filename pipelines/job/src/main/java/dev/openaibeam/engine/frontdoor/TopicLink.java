package dev.openaibeam.engine.frontdoor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The front door's two ends on Kafka: it publishes each request to the requests topic (key: its
 * id) and reads the results and failures topics from their ends (as they were when it started: it
 * waits only for answers to its own requests), handing each record to {@code onAnswer}.
 */
final class TopicLink implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TopicLink.class);

  private final String requestsTopic;
  private final String resultsTopic;
  private final KafkaProducer<String, String> producer;
  private final KafkaConsumer<String, String> consumer;
  private final Thread reader;
  private final AtomicBoolean running = new AtomicBoolean(true);

  /** {@code onAnswer}: (record, true for the results topic / false for failures). */
  TopicLink(String bootstrapServers, String requestsTopic, String resultsTopic, String failuresTopic,
      BiConsumer<ConsumerRecord<String, String>, Boolean> onAnswer) {
    this.requestsTopic = requestsTopic;
    this.resultsTopic = resultsTopic;
    producer = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        ProducerConfig.LINGER_MS_CONFIG, 0,
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
        ProducerConfig.CLIENT_ID_CONFIG, "openai-beam-front-door"),
        new StringSerializer(), new StringSerializer());
    consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
        ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 5,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
        ConsumerConfig.CLIENT_ID_CONFIG, "openai-beam-front-door"),
        new StringDeserializer(), new StringDeserializer());
    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic : List.of(resultsTopic, failuresTopic)) {
      for (PartitionInfo p : consumer.partitionsFor(topic, Duration.ofSeconds(60))) {
        partitions.add(new TopicPartition(topic, p.partition()));
      }
    }
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    for (TopicPartition p : partitions) {
      consumer.position(p, Duration.ofSeconds(60)); // fixes the start before any request is sent
    }
    reader = new Thread(() -> read(onAnswer), "front-door-answers");
    reader.setDaemon(true);
    reader.start();
  }

  /** Publishes one request line; completes when the broker has it. */
  CompletableFuture<Void> publish(String id, String line) {
    CompletableFuture<Void> sent = new CompletableFuture<>();
    producer.send(new ProducerRecord<>(requestsTopic, id, line), (metadata, e) -> {
      if (e == null) {
        sent.complete(null);
      } else {
        sent.completeExceptionally(e);
      }
    });
    return sent;
  }

  private void read(BiConsumer<ConsumerRecord<String, String>, Boolean> onAnswer) {
    try {
      while (running.get()) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          try {
            onAnswer.accept(r, r.topic().equals(resultsTopic));
          } catch (RuntimeException e) {
            LOG.warn("front door: cannot read the answer record {}: {}", r.key(), e.toString());
          }
        }
      }
    } catch (WakeupException stopping) {
      // close() woke the poll
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  @Override
  public void close() {
    running.set(false);
    consumer.wakeup();
    try {
      reader.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.close(Duration.ofSeconds(10));
  }
}
