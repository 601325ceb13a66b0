package dev.openaibeam.cloud;

import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * Checks that a classpath knows the gs:// and s3:// filesystems (their registrars are found through
 * META-INF/services, which the shade plugin must merge). Run against the bundled jar with Java's
 * source-file mode: {@code java -cp pipelines/job/target/openai-beam-bundled.jar
 * pipelines/job/src/test/java/dev/openaibeam/cloud/BundledJarSchemes.java}. Exits 1 when a scheme is missing.
 */
public final class BundledJarSchemes {
  private BundledJarSchemes() {}

  public static void main(String[] args) {
    FileSystems.setDefaultPipelineOptions(PipelineOptionsFactory.create());
    int missing = 0;
    for (String path : new String[] {"gs://bucket/in.jsonl", "s3://bucket/in.jsonl", "/tmp/in.jsonl"}) {
      try {
        ResourceId id = FileSystems.matchNewResource(path, false);
        System.out.println(id.getScheme() + " -> " + id.getClass().getName());
      } catch (RuntimeException e) {
        missing++;
        System.out.println(path + " -> MISSING: " + e.getMessage());
      }
    }
    System.exit(missing == 0 ? 0 : 1);
  }
}
