package dev.openaibeam.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openaibeam.emulator.EmulatorConfig;
import dev.openaibeam.emulator.LatencyModel;
import dev.openaibeam.emulator.OpenAiEmulator;
import dev.openaibeam.emulator.RedisServer;
import dev.openaibeam.store.BudgetStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/** The job with {@code --budgetStore}: its options, and no secret in the store, output or logs. */
class BudgetStoreJobTest {
  private static final String KEY = "sk-store-job-key-7771";
  private static final String PASSWORD = "redis-pw-never-shown-8882";

  private static OpenAiBeamOptions options(String... args) {
    PipelineOptionsFactory.register(OpenAiBeamOptions.class);
    return PipelineOptionsFactory.fromArgs(args).as(OpenAiBeamOptions.class);
  }

  @Test
  void givenAPasswordedStore_theJobAnswersEveryRow_andNoSecretIsStoredPrintedOrWritten(
      @TempDir Path dir) throws Exception {
    try (RedisServer redis = RedisServer.start(PASSWORD);
        OpenAiEmulator emu = OpenAiEmulator.start(EmulatorConfig.builder().acceptedKeys(Set.of(KEY))
            .rpm(6000).windowSeconds(1).latency(LatencyModel.fixed(5)).build())) {
      Path key = dir.resolve("key.txt");
      Files.writeString(key, KEY);
      Path pw = dir.resolve("redis.pw");
      Files.writeString(pw, PASSWORD + "\n");
      Path input = OpenAiBeamPipelineTest.writeInput(dir, "in.jsonl",
          new ArrayList<>(OpenAiBeamPipelineTest.mixedInput(50).subList(0, 50)));
      OpenAiBeamOptions o = options("--input=" + input, "--output=" + dir.resolve("out/results"),
          "--failures=" + dir.resolve("out/failures"), "--outputShards=1", "--baseUrl=" + emu.baseUrl(),
          "--apiKeyFile=" + key, "--rpm=6000", "--budgetStore=" + redis.uri(),
          "--budgetStorePasswordFile=" + pw, "--budgetWeight=2");
      KeyPoolJobTest.Printed run = KeyPoolJobTest.Printed.of(() -> OpenAiBeamMain.run(o));

      assertEquals(0, run.rc(), run.text());
      assertEquals(50, JobFiles.lines(dir.resolve("out/results")).size());
      assertTrue(run.text().contains("budget store   " + redis.uri() + ", weight 2.0"), run.text());
      assertTrue(redis.commandCalls("evalsha") >= 50, "the calls went through the store");
      assertFalse(run.text().contains(PASSWORD) || run.text().contains(KEY), "a secret was printed");
      try (var files = Files.walk(dir.resolve("out")).filter(Files::isRegularFile)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          String text = Files.readString(f);
          assertFalse(text.contains(PASSWORD) || text.contains(KEY), "a secret written to " + f);
        }
      }
      String shown = DisplayData.from(OpenAiBeamPipeline.callFrom(o)).toString();
      assertFalse(shown.contains(PASSWORD), shown);
      try (Jedis j = new Jedis("127.0.0.1", redis.port())) {
        j.auth(PASSWORD);
        for (String k : j.keys("*")) {
          Map<String, String> h = j.hgetAll(k);
          String all = k + h;
          assertFalse(all.contains(KEY) || all.contains(key.toString()) || all.contains("Question"),
              "the store holds a key, its source or a prompt: " + all);
        }
      }
    }
  }

  @Test
  void readsTheStoreOptions() {
    assertNull(OpenAiBeamPipeline.budgetStoreFrom(options()));
    BudgetStore s = OpenAiBeamPipeline.budgetStoreFrom(options("--budgetStore=rediss://h:6380/2",
        "--budgetWeight=3", "--budgetStorePasswordEnv=REDIS_PW", "--budgetName=team-account"));
    assertEquals("rediss://h:6380/2", s.describe());
    assertEquals(3.0, s.weight());
    List<String[]> wrong = List.of(
        new String[] {"--budgetWeight=2"},
        new String[] {"--budgetStore=redis://h", "--budgetStorePasswordEnv=A", "--budgetStorePasswordFile=b"},
        new String[] {"--budgetStore=redis://:pw@h"},
        new String[] {"--budgetStore=redis://h", "--budgetWeight=0"});
    for (String[] args : wrong) {
      assertThrows(IllegalArgumentException.class,
          () -> OpenAiBeamPipeline.budgetStoreFrom(options(args)), String.join(" ", args));
    }
  }
}
