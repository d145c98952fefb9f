package dev.fnclients.consumer;

import java.nio.file.Path;
import java.util.Optional;

/**
 * One line of {@code mvn dependency:list}, e.g. {@code
 * com.squareup.okio:okio-jvm:jar:3.18.1:compile:/repo/okio-jvm-3.18.1.jar -- module okio} (the jar
 * path only with {@code outputAbsoluteArtifactFilename}).
 *
 * @param file the jar, when the list gave paths
 */
record ResolvedDependency(
    String groupId,
    String artifactId,
    String type,
    String classifier,
    String version,
    String scope,
    Optional<Path> file) {

  /** Parses a line; empty for the header and blank lines. */
  static Optional<ResolvedDependency> parse(String line) {
    String s = line.strip();
    int module = s.indexOf(" -- ");
    if (module >= 0) {
      s = s.substring(0, module).strip();
    }
    Optional<Path> file = Optional.empty();
    int path = s.indexOf(":/");
    if (path >= 0) {
      file = Optional.of(Path.of(s.substring(path + 1)));
      s = s.substring(0, path);
    }
    String[] p = s.split(":");
    if (s.contains(" ") || (p.length != 5 && p.length != 6)) {
      return Optional.empty(); // "The following files have been resolved:", "none"
    }
    return p.length == 5
        ? Optional.of(new ResolvedDependency(p[0], p[1], p[2], "", p[3], p[4], file))
        : Optional.of(new ResolvedDependency(p[0], p[1], p[2], p[3], p[4], p[5], file));
  }

  /** {@code groupId:artifactId}, plus the classifier if there is one. */
  String key() {
    return groupId + ":" + artifactId + (classifier.isEmpty() ? "" : ":" + classifier);
  }

  /** On the run-time class path: compile or runtime scope (not provided, not test). */
  boolean atRuntime() {
    return scope.equals("compile") || scope.equals("runtime");
  }

  Path jar() {
    return file.orElseThrow(() -> new IllegalStateException(key() + ": the list has no jar paths"));
  }

  @Override
  public String toString() {
    return key() + ":" + version + " (" + scope + ")";
  }
}
