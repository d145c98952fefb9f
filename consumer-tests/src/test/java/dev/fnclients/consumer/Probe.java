package dev.fnclients.consumer;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/** Compiles a one-class probe from source, as a consumer's own code would be compiled. */
final class Probe {
  private Probe() {}

  /**
   * Compiles {@code source} (a public top-level class in the default package) into {@code output}.
   */
  static void compile(String source, List<Path> classpath, Path output) throws IOException {
    String className = source.replaceAll("(?s).*public class (\\w+).*", "$1");
    JavaFileObject file =
        new SimpleJavaFileObject(
            URI.create("string:///" + className + ".java"), JavaFileObject.Kind.SOURCE) {
          @Override
          public CharSequence getCharContent(boolean ignoreEncodingErrors) {
            return source;
          }
        };
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, null, null)) {
      List<String> options =
          List.of(
              "--release", "17",
              "-classpath",
                  classpath.stream()
                      .map(Path::toString)
                      .collect(Collectors.joining(File.pathSeparator)),
              "-d", output.toString());
      if (!javac.getTask(null, files, diagnostics, options, null, List.of(file)).call()) {
        throw new IllegalStateException(
            "the probe did not compile: " + diagnostics.getDiagnostics());
      }
    }
  }
}
