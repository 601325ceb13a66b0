package dev.openaibeam.pipeline;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLConnection;
import java.net.URLStreamHandler;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;
import java.util.Set;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsRegistrar;

/**
 * Lets Beam find only the plugins a run can use. The bundled jar carries the Dataflow runner and
 * Beam's GCP and AWS extensions; Beam finds its plugins (options interfaces, runners,
 * filesystems, coder and schema providers) with {@link ServiceLoader} on the context class loader,
 * and at start-up validates every options interface and starts every filesystem it finds: 2.2 s
 * of a local run's 2.7 s start-up here, against 0.6 s with the three families hidden.
 *
 * <p>A family is hidden when the arguments cannot use it: Dataflow unless {@code --runner} names
 * it, GCP unless an argument holds a {@code gs://} path or the run is on Dataflow, AWS unless an
 * argument holds an {@code s3://} path. An argument naming an option that the remaining interfaces
 * do not declare (an AWS or GCP option given for a reason not visible here) keeps everything, so
 * Beam sees what it always saw.
 */
final class BeamPlugins extends ClassLoader {
  private static final String SERVICES = "META-INF/services/";
  private static final Set<String> PLUGIN_KINDS = Set.of(
      "org.apache.beam.sdk.options.PipelineOptionsRegistrar",
      "org.apache.beam.sdk.runners.PipelineRunnerRegistrar",
      "org.apache.beam.sdk.io.FileSystemRegistrar",
      "org.apache.beam.sdk.coders.CoderProviderRegistrar",
      "org.apache.beam.sdk.schemas.SchemaProviderRegistrar",
      "org.apache.beam.sdk.expansion.ExternalTransformRegistrar");

  /** A family of plugins, by the packages its providers live in. */
  enum Family {
    DATAFLOW(".runners.dataflow."),
    GCP(".gcp.", ".extensions.protobuf."),
    AWS(".aws2.");

    private final String[] packages;

    Family(String... packages) {
      this.packages = packages;
    }

    boolean owns(String providerClass) {
      for (String p : packages) {
        if (providerClass.contains(p)) {
          return true;
        }
      }
      return false;
    }
  }

  private final Set<Family> hidden;

  private BeamPlugins(ClassLoader parent, Set<Family> hidden) {
    super(parent);
    this.hidden = hidden;
  }

  /**
   * Makes the calling thread's context class loader hide the families {@code args} cannot use;
   * returns the families hidden. Call it before anything touches Beam's options or filesystems.
   */
  static Set<Family> install(String[] args) {
    Thread t = Thread.currentThread();
    ClassLoader parent = t.getContextClassLoader() != null
        ? t.getContextClassLoader() : BeamPlugins.class.getClassLoader();
    Set<Family> hidden = hiddenFor(args, parent);
    if (!hidden.isEmpty()) {
      t.setContextClassLoader(new BeamPlugins(parent, hidden));
    }
    return hidden;
  }

  static Set<Family> hiddenFor(String[] args, ClassLoader loader) {
    String joined = String.join(" ", args).toLowerCase(Locale.ROOT);
    Set<Family> hidden = new LinkedHashSet<>();
    boolean dataflow = joined.contains("--runner=dataflowrunner") || joined.contains("--runner=testdataflowrunner");
    if (!dataflow) {
      hidden.add(Family.DATAFLOW);
      if (!joined.contains("gs://")) {
        hidden.add(Family.GCP);
      }
    }
    if (!joined.contains("s3://")) {
      hidden.add(Family.AWS);
    }
    if (!hidden.isEmpty() && !declared(loader, hidden).containsAll(optionNames(args))) {
      return Set.of(); // an option only a hidden family knows: keep everything
    }
    return hidden;
  }

  /** The option names in {@code --name=value} and {@code --name} arguments. */
  static Set<String> optionNames(String[] args) {
    Set<String> names = new HashSet<>();
    for (String a : args) {
      if (a.startsWith("--") && a.length() > 2) {
        int eq = a.indexOf('=');
        names.add(eq < 0 ? a.substring(2) : a.substring(2, eq));
      }
    }
    return names;
  }

  /** Every option the options interfaces of the families kept declare (getters' properties). */
  private static Set<String> declared(ClassLoader loader, Set<Family> hidden) {
    Set<String> names = new HashSet<>();
    Set<Class<?>> seen = new HashSet<>();
    ServiceLoader<PipelineOptionsRegistrar> registrars =
        ServiceLoader.load(PipelineOptionsRegistrar.class, new BeamPlugins(loader, hidden));
    List<Class<?>> interfaces = new ArrayList<>(List.of(OpenAiBeamOptions.class));
    for (PipelineOptionsRegistrar r : registrars) {
      for (Class<? extends PipelineOptions> c : r.getPipelineOptions()) {
        interfaces.add(c);
      }
    }
    while (!interfaces.isEmpty()) {
      Class<?> c = interfaces.remove(interfaces.size() - 1);
      if (!seen.add(c)) {
        continue;
      }
      for (Method m : c.getDeclaredMethods()) {
        String n = m.getName();
        if (n.startsWith("get") && n.length() > 3 && m.getParameterCount() == 0) {
          names.add(Character.toLowerCase(n.charAt(3)) + n.substring(4));
        } else if (n.startsWith("is") && n.length() > 2 && m.getParameterCount() == 0) {
          names.add(Character.toLowerCase(n.charAt(2)) + n.substring(3));
        }
      }
      interfaces.addAll(List.of(c.getInterfaces()));
    }
    return names;
  }

  @Override
  public Enumeration<URL> getResources(String name) throws IOException {
    Enumeration<URL> all = getParent().getResources(name);
    if (!name.startsWith(SERVICES) || !PLUGIN_KINDS.contains(name.substring(SERVICES.length()))) {
      return all;
    }
    // Every file naming providers of this kind, as one file without the hidden families' lines.
    StringBuilder kept = new StringBuilder();
    for (URL u : Collections.list(all)) {
      try (InputStream in = u.openStream()) {
        for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
          String provider = line.replaceAll("#.*", "").trim();
          if (!provider.isEmpty() && hidden.stream().noneMatch(f -> f.owns(provider))) {
            kept.append(provider).append('\n');
          }
        }
      }
    }
    return Collections.enumeration(List.of(inMemory(name, kept.toString().getBytes(StandardCharsets.UTF_8))));
  }

  private static URL inMemory(String name, byte[] content) throws IOException {
    URLStreamHandler handler =
        new URLStreamHandler() {
          @Override
          protected URLConnection openConnection(URL u) {
            return new URLConnection(u) {
              @Override
              public void connect() {}

              @Override
              public InputStream getInputStream() {
                return new ByteArrayInputStream(content);
              }
            };
          }
        };
    return new URL("openai-beam-plugins", "", -1, "/" + name, handler);
  }
}
