package dev.fnclients.examples;

import dev.fnclients.testkit.ChildJvm;
import java.io.File;
import java.io.IOException;
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

/** A function instance as Cloud Run runs one: the invoker in a child JVM (examples/README.md). */
final class FunctionInvoker implements AutoCloseable {
  /** The invoker jar's main class: {@code java -cp} it is {@code java -jar}. */
  private static final String INVOKER = "com.google.cloud.functions.invoker.runner.Invoker";

  /** The class paths the build writes: the invoker's, the function's, the idle-gap demo's. */
  record Setup(Path invokerJar, String functionClasspath, String demoClasspath) {
    /** From the system properties the build sets for tests and demos. */
    static Setup fromSystemProperties() {
      Path functionDir =
          Paths.get(System.getProperty("fnexample.functionDir", "../example-function/target"));
      Path demoDir = Paths.get(System.getProperty("fnexample.outputDir", "target"));
      try {
        return new Setup(
            functionDir.resolve("invoker/java-function-invoker.jar").toRealPath(),
            classpath(functionDir, "function-classpath.txt"),
            classpath(demoDir, "demo-classpath.txt"));
      } catch (IOException e) {
        throw new IllegalStateException(
            e
                + ": the build writes it; run through Maven (examples/README.md) or set"
                + " -Dfnexample.functionDir and -Dfnexample.outputDir (a module's target)",
            e);
      }
    }

    /** {@code dir}'s classes, then the class path the build wrote into {@code file} there. */
    static String classpath(Path dir, String file) throws IOException {
      return dir.resolve("classes").toRealPath()
          + File.pathSeparator
          + Files.readString(dir.resolve(file)).strip();
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
            .args("--classpath", setup.functionClasspath(), "--target", target, "--port", "" + port)
            .env("FUNCTION_TARGET", target) // what Cloud Run functions (2nd gen) sets
            .env("FUNCTION_SIGNATURE_TYPE", "http")
            .env("K_SERVICE", service)
            .env("K_REVISION", service + "-00001-abc")
            .env("K_CONFIGURATION", service)
            .env("PORT", "" + port);
    System.getenv().keySet().stream()
        .filter(k -> k.startsWith("FNCLIENTS_")) // the function's defaults, not ours
        .forEach(k -> builder.env(k, null));
    env.forEach(builder::env);
    FunctionInvoker invoker = new FunctionInvoker(builder.start(), port, log);
    try {
      invoker.awaitListening(startTimeout);
    } catch (IOException | InterruptedException | RuntimeException e) {
      invoker.close();
      throw e;
    }
    return invoker;
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + port + "/");
  }

  /** SIGTERM as the platform retires an instance, SIGKILL if need be; then writes the log. */
  @Override
  public void close() throws IOException {
    child.terminate();
    try {
      child.waitFor(Duration.ofSeconds(15));
    } catch (InterruptedException | TimeoutException e) {
      // close() below kills it.
    }
    child.close();
    Files.createDirectories(log.toAbsolutePath().getParent());
    Files.writeString(log, child.stderr());
  }

  private void awaitListening(Duration timeout) throws IOException, InterruptedException {
    for (long deadline = System.nanoTime() + timeout.toNanos(); ; Thread.sleep(50)) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
        return;
      } catch (IOException notYet) {
        if (!child.isAlive() || System.nanoTime() > deadline) {
          throw new IOException(
              "the invoker did not listen within " + timeout + "; its output is in " + log);
        }
      }
    }
  }

  /** {@code a.b.C} to {@code C}. */
  static String simpleName(String className) {
    return className.substring(className.lastIndexOf('.') + 1);
  }
}
