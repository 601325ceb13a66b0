package dev.openaibeam.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openaibeam.connection.ApiStyle;
import dev.openaibeam.testing.Serialized;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyPoolFileTest {
  private static final String THREE = "["
      + "{\"name\": \"org-a\", \"apiKeyEnv\": \"OPENAI_KEY_A\", \"rpm\": 3000, \"tpm\": 1000000},"
      + "{\"name\": \"org-b\", \"apiKeyFile\": \"/secrets/b\", \"rpm\": 2000, \"tpm\": 800000, \"budget\": \"proj-b\"},"
      + "{\"name\": \"azure-west\", \"baseUrl\": \"https://x.openai.azure.com\", \"azureApiVersion\": \"2024-10-21\","
      + " \"apiKeyEnv\": \"AZURE_KEY\", \"rpm\": 1000, \"tpm\": 200000, \"models\": [\"gpt-4o-mini\"]}]";

  private static String error(String json) {
    return assertThrows(IllegalArgumentException.class, () -> KeyPoolFile.parse(json, "keys.json"))
        .getMessage();
  }

  @Test
  void givenTheDocumentedFile_everyMemberIsRead(@TempDir Path dir) throws Exception {
    Path f = Files.writeString(dir.resolve("keys.json"), THREE);
    KeyPool pool = KeyPoolFile.read(f.toString());
    assertEquals(3, pool.getMembers().size());
    PoolMember a = pool.member("org-a");
    assertEquals(3000, a.getRequestsPerMinute());
    assertEquals("env:OPENAI_KEY_A", a.getConnection().getKeySource().describe());
    assertEquals("proj-b", pool.member("org-b").budgetGroup());
    PoolMember azure = pool.member("azure-west");
    assertEquals(ApiStyle.AZURE, azure.getConnection().getApiStyle());
    assertTrue(azure.serves("gpt-4o-mini"));
    assertFalse(azure.serves("gpt-4o"));
    assertTrue(a.serves("anything"));
    assertEquals(3, pool.groups().size());
  }

  @Test
  void membersOfOneOrganizationAndProjectShareABudget() {
    KeyPool pool = KeyPoolFile.parse("["
        + "{\"name\": \"k1\", \"apiKeyEnv\": \"K1\", \"organization\": \"org-1\", \"project\": \"p\"},"
        + "{\"name\": \"k2\", \"apiKeyEnv\": \"K2\", \"organization\": \"org-1\", \"project\": \"p\"},"
        + "{\"name\": \"k3\", \"apiKeyEnv\": \"K3\", \"organization\": \"org-1\", \"project\": \"q\"}]", "keys.json");
    assertEquals(pool.member("k1").budgetGroup(), pool.member("k2").budgetGroup());
    assertEquals(2, pool.groups().size());
  }

  @Test
  void badFilesAreRefusedNamingWhatIsWrong() {
    assertTrue(error("not json").contains("not valid JSON"));
    assertTrue(error("{\"name\": \"a\"}").contains("JSON array"));
    assertTrue(error("[]").contains("JSON array"));
    assertTrue(error("[{\"apiKeyEnv\": \"K\"}]").contains("member 1 has no \"name\""));
    assertTrue(error("[{\"name\": \"a\"}]").contains("member 1 (a) has no key source"));
    assertTrue(error("[{\"name\": \"a\", \"apiKeyEnv\": \"K\", \"apiKeyFile\": \"/k\"}]")
        .contains("2 key sources"));
    String unknown = error("[{\"name\": \"a\", \"apiKeyEnv\": \"K\", \"rpmm\": 5}]");
    assertTrue(unknown.contains("unknown field \"rpmm\""), unknown);
    assertTrue(error("[{\"name\": \"a\", \"apiKeyEnv\": \"K\", \"rpm\": -1}]").contains("\"rpm\""));
    assertTrue(error("[{\"name\": \"a\", \"apiKeyEnv\": \"K\", \"rpm\": \"fast\"}]").contains("\"rpm\""));
    assertTrue(error("[{\"name\": \"a\", \"apiKeyEnv\": \"K\"}, {\"name\": \"a\", \"apiKeyEnv\": \"L\"}]")
        .contains("two pool members are named a"));
    assertTrue(error("[{\"name\": \"a\", \"apiKeyEnv\": \"K\", \"models\": \"gpt-4o\"}]").contains("\"models\""));
  }

  @Test
  void aKeyWrittenIntoTheFileIsRefusedWithoutShowingIt() {
    String e = error("[{\"name\": \"a\", \"apiKey\": \"sk-never-in-a-file-1234\"}]");
    assertTrue(e.contains("never the key"), e);
    assertFalse(e.contains("sk-never-in-a-file-1234"));
  }

  @Test
  void thePoolCarriesWhereKeysAreNeverTheKeys(@TempDir Path dir) throws Exception {
    Path key = Files.writeString(dir.resolve("b"), "sk-pool-member-secret-777");
    KeyPool pool = KeyPoolFile.parse("[{\"name\": \"b\", \"apiKeyFile\": \"" + key + "\"}]", "keys.json");
    assertEquals("sk-pool-member-secret-777", pool.getMembers().get(0).getConnection().getKeySource().resolve());
    assertFalse(Serialized.text(pool).contains("sk-pool-member-secret-777"));
    assertEquals(Set.of("b"), Set.of(pool.getMembers().get(0).getName()));
  }
}
