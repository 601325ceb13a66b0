package dev.openaibeam.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openaibeam.testing.Serialized;
import dev.openaibeam.testing.Withers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.display.HasDisplayData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpenAiConnectionTest {
  @Test
  void urlsForCompatibleServersAndAzure() {
    assertEquals("https://api.openai.com/v1/chat/completions",
        OpenAiConnection.to("https://api.openai.com/v1").uriFor("/v1/chat/completions", "m").toString());
    assertEquals("http://h:8000/v1/embeddings",
        OpenAiConnection.to("http://h:8000/v1/").uriFor("/v1/embeddings", "m").toString());
    assertEquals("http://h:11434/v1/embeddings",
        OpenAiConnection.to("http://h:11434").uriFor("/v1/embeddings", "m").toString());
    assertEquals("https://res.openai.azure.com/openai/deployments/my%20gpt/chat/completions?api-version=2024-10-21",
        OpenAiConnection.to("https://res.openai.azure.com").withAzure("2024-10-21")
            .uriFor("/v1/chat/completions", "my gpt").toString());
  }

  @Test
  void keySourcesNeverShowTheKey(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("key");
    Files.writeString(f, "  sk-from-file-777\n");
    ApiKeySource file = ApiKeySource.fromFile(f.toString());
    assertEquals("sk-from-file-777", file.resolve());
    assertEquals("file:" + f, file.describe());
    assertFalse(Serialized.text(file, OpenAiConnection.to("https://x/v1").withApiKey(file))
        .contains("sk-from-file-777"));
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> ApiKeySource.fromEnv("OPENAI_BEAM_SURELY_UNSET_VAR").resolve());
    assertTrue(e.getMessage().contains("OPENAI_BEAM_SURELY_UNSET_VAR"));
    assertEquals("", ApiKeySource.none().resolve());
  }

  @Test
  void givenAnyOrderOfWithCalls_theConnectionIsTheSame() {
    Map<String, UnaryOperator<OpenAiConnection>> withers = new LinkedHashMap<>();
    withers.put("withBaseUrl", c -> c.withBaseUrl("https://res.openai.azure.com/"));
    withers.put("withApiKey", c -> c.withApiKey(ApiKeySource.fromFile("/secrets/k")));
    withers.put("withAzure", c -> c.withAzure("2024-10-21"));
    withers.put("withHeader", c -> c.withHeader("X-Team", "a").withHeader("X-Cost-Center", "7"));
    withers.put("withOrganization", c -> c.withOrganization("org-1"));
    withers.put("withProject", c -> c.withProject("proj-1"));
    withers.put("withConnectTimeout", c -> c.withConnectTimeout(Duration.ofSeconds(3)));
    withers.put("withRequestTimeout", c -> c.withRequestTimeout(Duration.ofSeconds(30)));
    Withers.assertOrderFree(OpenAiConnection.class, OpenAiConnection.openAi(), withers, c -> c);
  }

  @Test
  void givenAKeyInAFile_headersCarryItButNothingShowsIt(@TempDir Path dir) throws Exception {
    Path f = Files.writeString(dir.resolve("key"), "sk-never-shown-4242");
    OpenAiConnection c = OpenAiConnection.to("http://h/v1").withApiKey(ApiKeySource.fromFile(f.toString()))
        .withProject("proj-1");
    assertEquals("Bearer sk-never-shown-4242", c.headersWith(c.getKeySource().resolve()).get("Authorization"));
    assertEquals("proj-1", c.headersWith("").get("OpenAI-Project"));
    assertFalse(c.headersWith("").containsKey("Authorization"), "no key, no header");
    assertFalse(c.toString().contains("sk-never-shown-4242"));
    assertFalse(DisplayData.from(new DisplayedConnection(c)).toString().contains("sk-never-shown-4242"));
    assertTrue(DisplayData.from(new DisplayedConnection(c)).toString().contains("proj-1"));
  }

  /** Display data of a connection, as a transform that holds it shows it. */
  private static final class DisplayedConnection implements HasDisplayData {
    private final OpenAiConnection c;

    DisplayedConnection(OpenAiConnection c) {
      this.c = c;
    }

    @Override
    public void populateDisplayData(DisplayData.Builder builder) {
      c.populateDisplayData(builder);
    }
  }
}
