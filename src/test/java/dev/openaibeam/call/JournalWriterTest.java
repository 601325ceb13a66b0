package dev.openaibeam.call;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.openaibeam.api.ApiResponse;
import dev.openaibeam.jsonl.JsonlLines;
import dev.openaibeam.testing.Requests;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalWriterTest {
  /** What a SIGKILL leaves: the file as it is while the writer is still open. */
  @Test
  void givenAnswersAppended_everyLineIsInTheLocalFileBeforeItIsClosed(@TempDir Path dir) throws Exception {
    ResultJournal journal = ResultJournal.to(dir.resolve("journal").toString(), JsonlLines::resultLine);
    JournalWriter writer = new JournalWriter(journal);
    List<ApiResponse> answers = Requests.chats(5, 5).stream()
        .map(r -> ApiResponse.of(r, "{\"ok\":true}", 1, 7)).toList();
    answers.forEach(writer::append);

    List<String> lines;
    try (Stream<Path> files = Files.list(dir.resolve("journal"))) {
      Path file = files.findFirst().orElseThrow();
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    }
    assertEquals(answers.size(), lines.size(), "lines in the file while the writer is open");
    assertEquals(JsonlLines.resultLine(answers.get(4)), lines.get(4));
    writer.close();
  }
}
