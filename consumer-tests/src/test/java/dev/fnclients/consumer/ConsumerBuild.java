package dev.fnclients.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A consumer project of src/it as the invoker built it (under target/it): its classes and the
 * dependencies Maven resolved for it, from the {@code dependency:list} its build ends with.
 */
final class ConsumerBuild {
  private final String name;
  private final Path directory;
  private final List<ResolvedDependency> dependencies;

  private ConsumerBuild(String name, Path directory, List<ResolvedDependency> dependencies) {
    this.name = name;
    this.directory = directory;
    this.dependencies = dependencies;
  }

  /** The consumer {@code src/it/NAME}, built. */
  static ConsumerBuild named(String name) throws IOException {
    Path directory = Path.of(property("consumers.directory"), name);
    Path list = directory.resolve("target/dependencies.txt");
    if (!Files.isRegularFile(list)) {
      throw new IllegalStateException(
          list
              + " does not exist: the consumer builds run in the integration-test "
              + "phase (maven-invoker-plugin); run ./mvnw verify -pl consumer-tests -am");
    }
    return new ConsumerBuild(name, directory, read(list));
  }

  /**
   * The versions the FnClients build resolved and ran its tests with, by {@link
   * ResolvedDependency#key()}.
   */
  static Map<String, String> testedVersions() throws IOException {
    return read(Path.of(property("consumers.testedDependencies"))).stream()
        .collect(
            Collectors.toMap(
                ResolvedDependency::key, ResolvedDependency::version, (a, b) -> a, TreeMap::new));
  }

  static String property(String name) {
    String value = System.getProperty(name);
    if (value == null || value.isBlank()) {
      throw new IllegalStateException(
          "system property " + name + " is not set: run the *IT tests through Maven (failsafe)");
    }
    return value;
  }

  private static List<ResolvedDependency> read(Path list) throws IOException {
    List<ResolvedDependency> all = new ArrayList<>();
    for (String line : Files.readAllLines(list, StandardCharsets.UTF_8)) {
      ResolvedDependency.parse(line).ifPresent(all::add);
    }
    assertThat(all).as("dependencies listed in %s", list).isNotEmpty();
    return all;
  }

  String name() {
    return name;
  }

  /** Every resolved dependency, whatever its scope. */
  List<ResolvedDependency> dependencies() {
    return dependencies;
  }

  /**
   * What the function runs with: compile and runtime scope, without the provided Functions
   * Framework API.
   */
  List<ResolvedDependency> runtimeDependencies() {
    return dependencies.stream().filter(ResolvedDependency::atRuntime).toList();
  }

  Optional<ResolvedDependency> dependency(String groupId, String artifactId) {
    return dependencies.stream()
        .filter(d -> d.groupId().equals(groupId) && d.artifactId().equals(artifactId))
        .findFirst();
  }

  /**
   * The function's class path: its classes, then its runtime dependencies, as the platform builds
   * it.
   */
  List<Path> runtimeClasspath() {
    List<Path> classpath = new ArrayList<>();
    classpath.add(directory.resolve("target/classes"));
    runtimeDependencies().forEach(d -> classpath.add(d.jar()));
    return classpath;
  }

  String runtimeClasspathString() {
    return runtimeClasspath().stream()
        .map(Path::toString)
        .collect(Collectors.joining(File.pathSeparator));
  }

  URL[] runtimeClasspathUrls() throws MalformedURLException {
    List<URL> urls = new ArrayList<>();
    for (Path p : runtimeClasspath()) {
      urls.add(p.toUri().toURL());
    }
    return urls.toArray(URL[]::new);
  }

  /**
   * Asserts that every dependency on the function's class path has the version the FnClients build
   * tested with. Provided ones (the Functions Framework API and what it brings) are the platform's,
   * not FnClients'.
   */
  void assertResolvedTheTestedVersions(Map<String, String> tested) {
    List<String> differing = new ArrayList<>();
    for (ResolvedDependency d : runtimeDependencies()) {
      String expected = tested.get(d.key());
      if (!d.version().equals(expected)) {
        differing.add(
            d.key()
                + ": "
                + d.version()
                + ", tested "
                + (expected == null ? "nothing (not in the build)" : expected));
      }
    }
    assertThat(differing)
        .as(
            "%s resolved versions the build did not test (its dependencies: %s)",
            name, dependencies)
        .isEmpty();
  }
}
