package dev.fnclients.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * What is published, as the consumers got it from their repository: flattened poms (no parent,
 * nothing left to interpolate, every dependency version written out), jars that name their version
 * and module, and the sources and javadoc jars the build attaches.
 */
class PublishedArtifactsIT {
  private static final String VERSION = ConsumerBuild.property("consumers.fnclientsVersion");

  /** Published jars: artifactId to module directory. */
  private static final Map<String, String> MODULES =
      Map.of(
          "fnclients-pool-core", "pool-core",
          "fnclients-http", "http-adapter",
          "fnclients-grpc", "grpc-adapter",
          "fnclients-pubsub", "pubsub-adapter",
          "fnclients-google", "google-adapter",
          "fnclients", "fnclients");

  /** The modules that cannot be named ones (see their poms); the others get a module-info. */
  private static final Map<String, String> AUTOMATIC_MODULE_NAMES =
      Map.of(
          "fnclients", "dev.fnclients",
          "fnclients-grpc", "dev.fnclients.grpc",
          "fnclients-pubsub", "dev.fnclients.pubsub",
          "fnclients-google", "dev.fnclients.google");

  @ParameterizedTest
  @ValueSource(
      strings = {
        "fnclients-bom",
        "fnclients-pool-core",
        "fnclients-http",
        "fnclients-grpc",
        "fnclients-pubsub",
        "fnclients-google",
        "fnclients"
      })
  void publishedPomNamesNoParentAndWritesOutEveryVersion(String artifactId) throws Exception {
    Path pom = installed(artifactId, "pom");
    String text = Files.readString(pom);
    assertThat(text).as(pom.toString()).doesNotContain("${");
    Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
    Element project = doc.getDocumentElement();
    assertThat(children(project, "parent")).as("%s names a parent", pom).isEmpty();
    for (String required : List.of("name", "description", "url", "licenses", "developers", "scm")) {
      assertThat(children(project, required))
          .as("%s has no <%s> (Maven Central requires it)", pom, required)
          .isNotEmpty();
    }
    NodeList dependencies = project.getElementsByTagName("dependency");
    for (int i = 0; i < dependencies.getLength(); i++) {
      Element d = (Element) dependencies.item(i);
      assertThat(children(d, "version"))
          .as("%s: %s has no version", pom, children(d, "artifactId").get(0).getTextContent())
          .hasSize(1);
    }
    if (artifactId.equals("fnclients-bom")) {
      assertThat(dependencies.getLength())
          .as("the BOM lists every published artifact but itself")
          .isEqualTo(MODULES.size());
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "fnclients-pool-core",
        "fnclients-http",
        "fnclients-grpc",
        "fnclients-pubsub",
        "fnclients-google",
        "fnclients"
      })
  void jarNamesItsVersionAndModuleAndComesWithSourcesAndJavadoc(String artifactId)
      throws IOException {
    try (JarFile jar = new JarFile(installed(artifactId, "jar").toFile())) {
      Manifest manifest = jar.getManifest();
      assertThat(manifest.getMainAttributes().getValue("Implementation-Version"))
          .isEqualTo(VERSION);
      String automatic = manifest.getMainAttributes().getValue("Automatic-Module-Name");
      if (AUTOMATIC_MODULE_NAMES.containsKey(artifactId)) {
        assertThat(automatic).isEqualTo(AUTOMATIC_MODULE_NAMES.get(artifactId));
      } else {
        assertThat(automatic == null || jar.getEntry("module-info.class") == null)
            .as("%s has both a module-info and an Automatic-Module-Name", artifactId)
            .isTrue();
      }
    }
    Path target =
        Path.of(
            ConsumerBuild.property("consumers.rootDirectory"), MODULES.get(artifactId), "target");
    try (JarFile sources =
            new JarFile(target.resolve(artifactId + "-" + VERSION + "-sources.jar").toFile());
        JarFile javadoc =
            new JarFile(target.resolve(artifactId + "-" + VERSION + "-javadoc.jar").toFile())) {
      assertThat(sources.stream().filter(e -> e.getName().endsWith(".java"))).isNotEmpty();
      assertThat(javadoc.getEntry("index.html")).isNotNull();
    }
  }

  private static Path installed(String artifactId, String extension) {
    Path file =
        Path.of(
            ConsumerBuild.property("consumers.localRepository"),
            "dev",
            "fnclients",
            artifactId,
            VERSION,
            artifactId + "-" + VERSION + "." + extension);
    assertThat(file).as("installed for the consumers").isRegularFile();
    return file;
  }

  private static List<Element> children(Element parent, String name) {
    NodeList all = parent.getChildNodes();
    return java.util.stream.IntStream.range(0, all.getLength())
        .mapToObj(all::item)
        .filter(n -> n instanceof Element e && e.getTagName().equals(name))
        .map(Element.class::cast)
        .toList();
  }
}
