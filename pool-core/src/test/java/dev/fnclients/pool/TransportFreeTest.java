package dev.fnclients.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** pool-core must stay transport-free: adapters depend on it, never the reverse. */
class TransportFreeTest {
  private static final List<String> FORBIDDEN =
      List.of("okhttp3/", "io/grpc/", "com/google/cloud/pubsub");

  @ParameterizedTest
  @ValueSource(
      strings = {
        "okhttp3.OkHttpClient",
        "io.grpc.ManagedChannel",
        "com.google.cloud.pubsub.v1.Publisher"
      })
  void transportClassesAreNotOnTheClasspath(String className) {
    assertThatThrownBy(() -> Class.forName(className, false, getClass().getClassLoader()))
        .isInstanceOf(ClassNotFoundException.class);
  }

  @Test
  void noCompiledClassOfPoolCoreReferencesATransport() throws IOException, URISyntaxException {
    Path location =
        Path.of(FnClientsConfig.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<String> classes = new ArrayList<>();
    List<String> offenders = new ArrayList<>();

    if (Files.isDirectory(location)) {
      try (Stream<Path> files = Files.walk(location)) {
        for (Path file :
            (Iterable<Path>) files.filter(p -> p.toString().endsWith(".class"))::iterator) {
          classes.add(file.toString());
          check(location.relativize(file).toString(), Files.readAllBytes(file), offenders);
        }
      }
    } else {
      try (JarFile jar = new JarFile(location.toFile())) {
        Enumeration<JarEntry> entries = jar.entries();
        while (entries.hasMoreElements()) {
          JarEntry entry = entries.nextElement();
          if (entry.getName().endsWith(".class")) {
            classes.add(entry.getName());
            try (InputStream in = jar.getInputStream(entry)) {
              check(entry.getName(), in.readAllBytes(), offenders);
            }
          }
        }
      }
    }

    assertThat(classes).as("classes found under %s", location).hasSizeGreaterThan(20);
    assertThat(classes).anySatisfy(c -> assertThat(c).contains("ClientRegistry"));
    assertThat(offenders).isEmpty();
  }

  @Test
  void theScanWouldSeeATransportReference() {
    List<String> offenders = new ArrayList<>();

    check("Fake.class", "Lokhttp3/OkHttpClient;".getBytes(StandardCharsets.ISO_8859_1), offenders);

    assertThat(offenders).containsExactly("Fake.class mentions okhttp3/");
  }

  private static void check(String name, byte[] bytes, List<String> offenders) {
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    for (String forbidden : FORBIDDEN) {
      if (text.contains(forbidden)) {
        offenders.add(name + " mentions " + forbidden);
      }
    }
  }
}
