package dev.openaibeam.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** The project's top-level folder (where run-scripts/ and the example data are), from a module. */
public final class ProjectRoot {
  private ProjectRoot() {}

  /** Set by the build ({@code openaibeam.root}); else found above the working directory. */
  public static Path get() {
    String set = System.getProperty("openaibeam.root");
    if (set != null) {
      return Path.of(set).toAbsolutePath().normalize();
    }
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isDirectory(p.resolve("run-scripts")) && Files.isDirectory(p.resolve("pipelines"))) {
        return p;
      }
    }
    throw new IllegalStateException("no project root above " + Path.of("").toAbsolutePath());
  }

  public static Path resolve(String relative) {
    return get().resolve(relative);
  }
}
