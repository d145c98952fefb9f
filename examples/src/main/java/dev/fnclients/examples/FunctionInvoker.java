package dev.fnclients.examples;

import dev.fnclients.testkit.ChildJvm;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * One function instance: the real Functions Framework invoker with a function class in a child JVM,
 * as Cloud Run functions runs a Java function: {@code java -jar java-function-invoker.jar
 * --classpath FUNCTION_CLASS_PATH --target CLASS --port PORT}. The invoker loads the function in a
 * class loader that shows it only the Functions Framework API, as on the platform. The child gets
 * what the platform sets ({@code FUNCTION_TARGET}, {@code K_SERVICE}, ...: FnClients detects Cloud
 * Run functions) plus the function's own variables.
 */
final class FunctionInvoker implements AutoCloseable {
  /** The invoker jar's main class: {@code java -cp} it is {@code java -jar}. */
  private static final String INVOKER = "com.google.cloud.functions.invoker.runner.Invoker";

  /**
   * The invoker jar and function class path (example-function's build writes them), and the
   * idle-gap demo's class path.
   */
  record Setup(Path invokerJar, String functionClasspath, String demoClasspath) {
    /** From the system properties the build sets for tests and demos. */
    static Setup fromSystemProperties() {
      Path functionDir = Paths.get(property("fnexample.functionDir", "../example-function/target"));
      return new Setup(
          existing(functionDir.resolve("invoker/java-function-invoker.jar")).toAbsolutePath(),
          classpath(functionDir.resolve("classes"), functionDir.resolve("function-classpath.txt")),
          classpath(
              Paths.get(property("fnexample.demoClasses", "target/classes")),
              Paths.get(property("fnexample.demoClasspathFile", "target/demo-classpath.txt"))));
    }

    /** {@code classes} followed by the class path the build wrote into {@code file}. */
    private static String classpath(Path classes, Path file) {
      try {
        String dependencies = Files.readString(existing(file)).strip();
        return existing(classes).toAbsolutePath()
            + (dependencies.isEmpty() ? "" : File.pathSeparator + dependencies);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private static Path existing(Path p) {
      if (!Files.exists(p)) {
        throw new IllegalStateException(
            p.toAbsolutePath()
                + " does not exist: the build writes it (process-classes phase). Run through Maven,"
                + " e.g. ./mvnw -q -pl examples -am -DskipTests -Pdemo verify, or set"
                + " -Dfnexample.functionDir, -Dfnexample.demoClasspathFile and"
                + " -Dfnexample.demoClasses");
      }
      return p;
    }

    private static String property(String name, String fallback) {
      String value = System.getProperty(name);
      return value == null || value.isBlank() ? fallback : value;
    }
  }

  private final ChildJvm child;
  private final int port;
  private final Path log;

  private FunctionInvoker(ChildJvm child, int port, Path log) {
    this.child = child;
    this.port = port;
    this.log = log;
  }

  /** Starts the invoker with function class {@code target} and {@code env}, once it listens. */
  static FunctionInvoker start(
      Setup setup, String target, Map<String, String> env, Path log, Duration startTimeout)
      throws IOException, InterruptedException {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    String service = simpleName(target).toLowerCase(Locale.ROOT);
    ChildJvm.Builder builder =
        ChildJvm.builder(INVOKER)
            .classpath(setup.invokerJar().toString())
            .jvmArgs("-Xmx384m")
            .args(
                "--classpath", setup.functionClasspath(), "--target", target, "--port", "" + port);
    System.getenv().keySet().stream()
        .filter(k -> k.startsWith("FNCLIENTS_")) // the function's defaults, not ours
        .forEach(k -> builder.env(k, null));
    // What Cloud Run functions (2nd gen) sets for every instance.
    Map.of(
            "FUNCTION_TARGET",
            target,
            "FUNCTION_SIGNATURE_TYPE",
            "http",
            "K_SERVICE",
            service,
            "K_REVISION",
            service + "-00001-abc",
            "K_CONFIGURATION",
            service,
            "PORT",
            "" + port)
        .forEach(builder::env);
    env.forEach(builder::env);
    FunctionInvoker invoker = new FunctionInvoker(builder.start(), port, log);
    try {
      invoker.awaitListening(target, startTimeout);
    } catch (IOException | InterruptedException | RuntimeException e) {
      invoker.close();
      throw e;
    }
    return invoker;
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + port + "/");
  }

  /**
   * SIGTERM, as the platform retires an instance (shutdown hooks run), SIGKILL if need be; then
   * writes the instance's output to the log.
   */
  @Override
  public void close() throws IOException {
    child.terminate();
    try {
      child.waitFor(Duration.ofSeconds(15));
    } catch (InterruptedException | TimeoutException e) {
      // close() below kills it.
    }
    child.close();
    StringBuilder output = new StringBuilder();
    try {
      for (String line; (line = child.readLine(Duration.ZERO)) != null; ) {
        output.append(line).append(System.lineSeparator());
      }
    } catch (IOException | TimeoutException endOfOutput) {
      // all read
    }
    Files.createDirectories(log.toAbsolutePath().getParent());
    Files.writeString(log, output + child.stderr());
  }

  private void awaitListening(String target, Duration timeout)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (!child.isAlive()) {
        throw new IOException("the invoker for " + target + " exited:\n" + child.stderr());
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
        return;
      } catch (IOException notYet) {
        if (System.nanoTime() > deadline) {
          throw new IOException(
              String.format(
                  "the invoker for %s did not listen on port %d within %s:%n%s",
                  target, port, timeout, child.stderr()));
        }
        Thread.sleep(50); // polling for readiness, not timing anything
      }
    }
  }

  /** {@code a.b.C} to {@code C}. */
  static String simpleName(String className) {
    return className.substring(className.lastIndexOf('.') + 1);
  }
}
