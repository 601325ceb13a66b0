package dev.openaibeam.engine;

import dev.openaibeam.testing.ProjectRoot;
import dev.openaibeam.testing.ServiceScript;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A real Kafka broker (its own JVM, KRaft mode) started and stopped through
 * {@code run-scripts/kafka.sh}, so the tests exercise the script users run; with the producer and
 * consumer calls the tests need. Closing stops it.
 */
final class KafkaBroker implements AutoCloseable {
  private final Path workDir;
  private final ServiceScript script;
  private String bootstrap;

  private KafkaBroker(Path workDir) {
    this.workDir = workDir;
    Map<String, String> env = new HashMap<>(Map.of("KAFKA_DIR", workDir.toString(), "KAFKA_PORT", "0"));
    String repo = System.getProperty("openaibeam.mavenRepo");
    if (repo != null && !repo.isEmpty()) {
      env.put("MAVEN_REPO", repo);
    }
    this.script = new ServiceScript(ProjectRoot.resolve("run-scripts/kafka.sh"), workDir, env);
  }

  private static KafkaBroker shared;

  /**
   * One broker for every engine test in this JVM (each test uses its own topics), stopped when the
   * JVM exits: starting a broker takes some 15 s here.
   */
  static synchronized KafkaBroker shared() throws IOException, InterruptedException {
    if (shared == null) {
      shared = start(Files.createTempDirectory("openai-beam-kafka-test"));
    }
    return shared;
  }

  static KafkaBroker start(Path workDir) throws IOException, InterruptedException {
    KafkaBroker b = new KafkaBroker(workDir);
    String out = b.script.run(Duration.ofSeconds(180), "start");
    String port = b.script.run(Duration.ofSeconds(10), "port").trim();
    if (!port.matches("\\d+")) {
      b.script.stopQuietly();
      throw new IllegalStateException("broker did not come up:\n" + out);
    }
    b.bootstrap = "127.0.0.1:" + port;
    return b;
  }

  String bootstrap() {
    return bootstrap;
  }

  long pid() throws IOException {
    return Long.parseLong(Files.readString(workDir.resolve("kafka.pid")).trim());
  }

  /** Writes {@code (key, value)} records to {@code topic} and waits until the broker has them. */
  void produce(String topic, List<Map.Entry<String, String>> records) throws Exception {
    try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
        new StringSerializer(), new StringSerializer())) {
      for (Map.Entry<String, String> r : records) {
        p.send(new ProducerRecord<>(topic, r.getKey(), r.getValue()));
      }
      p.flush();
    }
  }

  /** Reads {@code topic} from the beginning until {@code count} records came or {@code timeout} passed. */
  List<ConsumerRecord<String, String>> consume(String topic, int count, Duration timeout) {
    return readFromStart(topic, timeout, Duration.ZERO, read -> read.size() >= count);
  }

  /**
   * Reads {@code topic} from the beginning until its records carry {@code keys} distinct keys, then
   * {@code settle} more (late copies), or until {@code timeout}: every record, duplicates included.
   */
  List<ConsumerRecord<String, String>> consumeKeys(String topic, int keys, Duration timeout,
      Duration settle) {
    return readFromStart(topic, timeout, settle,
        read -> read.stream().map(ConsumerRecord::key).distinct().count() >= keys);
  }

  /** Committed records of {@code topic} from its start, until {@code done} (then {@code settle}). */
  private List<ConsumerRecord<String, String>> readFromStart(String topic, Duration timeout,
      Duration settle, java.util.function.Predicate<List<ConsumerRecord<String, String>>> done) {
    List<ConsumerRecord<String, String>> out = new ArrayList<>();
    Map<String, Object> cfg = new HashMap<>();
    cfg.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    cfg.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    cfg.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (KafkaConsumer<String, String> c =
        new KafkaConsumer<>(cfg, new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> parts = new ArrayList<>();
      for (PartitionInfo p : c.partitionsFor(topic, Duration.ofSeconds(30))) {
        parts.add(new TopicPartition(topic, p.partition()));
      }
      c.assign(parts);
      c.seekToBeginning(parts);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!done.test(out) && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
      long settled = System.nanoTime() + settle.toNanos();
      while (System.nanoTime() < settled) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }

  @Override
  public void close() {
    script.close();
  }
}
