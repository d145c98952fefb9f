package dev.fnclients.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One function instance: a child JVM running the real Functions Framework invoker ({@code
 * com.google.cloud.functions.invoker.runner.Invoker}) with a function class, the way Cloud Run
 * functions runs a Java function:
 *
 * <pre>java -jar java-function-invoker.jar --classpath FUNCTION_CLASS_PATH --target CLASS --port PORT</pre>
 *
 * <p>The invoker loads the function from {@code --classpath} in its own class loader, whose parent
 * shows it only the Functions Framework API ({@code com.google.cloud.functions.*}): the invoker's
 * Jetty, Gson and SLF4J stay invisible to the function, as on the platform. The function class
 * path is this module's classes plus its runtime dependencies, written by the build
 * ({@code maven-dependency-plugin:build-classpath}); the invoker jar is copied by the build too.
 * Both locations come from system properties the build sets ({@link Setup}).
 *
 * <p>The child gets the environment variables the platform sets ({@code FUNCTION_TARGET},
 * {@code FUNCTION_SIGNATURE_TYPE}, {@code K_SERVICE}, {@code K_REVISION}, {@code K_CONFIGURATION},
 * {@code PORT}), so FnClients detects Cloud Run functions, plus the function's own. Its output goes
 * to a log file. {@link #close()} sends SIGTERM, as the platform does when it retires an instance.
 */
final class FunctionInvoker implements AutoCloseable {
  private static final Duration STOP_GRACE = Duration.ofSeconds(15);

  /** Where the invoker jar and the function class path are; see the module's pom. */
  record Setup(Path invokerJar, String functionClasspath) {
    static final String INVOKER_JAR = "fnexample.invokerJar";
    static final String CLASSPATH_FILE = "fnexample.functionClasspathFile";
    static final String CLASSES = "fnexample.classes";

    /** Reads the system properties the build sets for tests and demos. */
    static Setup fromSystemProperties() {
      Path invokerJar = Paths.get(property(INVOKER_JAR, "target/invoker/java-function-invoker.jar"));
      Path classpathFile = Paths.get(property(CLASSPATH_FILE, "target/function-classpath.txt"));
      Path classes = Paths.get(property(CLASSES, "target/classes"));
      for (Path p : List.of(invokerJar, classpathFile, classes)) {
        if (!Files.exists(p)) {
          throw new IllegalStateException(
              p.toAbsolutePath() + " does not exist: the build writes it (process-classes phase). Run through Maven, "
                  + "e.g. ./mvnw -q -pl examples -am -DskipTests -Pdemo verify, or set -D" + INVOKER_JAR + ", -D"
                  + CLASSPATH_FILE + " and -D" + CLASSES);
        }
      }
      try {
        String dependencies = Files.readString(classpathFile, StandardCharsets.UTF_8).strip();
        String classpath = classes.toAbsolutePath()
            + (dependencies.isEmpty() ? "" : java.io.File.pathSeparator + dependencies);
        return new Setup(invokerJar.toAbsolutePath(), classpath);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private static String property(String name, String fallback) {
      String value = System.getProperty(name);
      return value == null || value.isBlank() ? fallback : value;
    }
  }

  private final Process process;
  private final int port;
  private final Path log;
  private final String target;

  private FunctionInvoker(Process process, int port, Path log, String target) {
    this.process = process;
    this.port = port;
    this.log = log;
    this.target = target;
  }

  /**
   * Starts the invoker with {@code target} (a function class name, the invoker's {@code --target})
   * and waits until it accepts connections.
   *
   * @param env the function's own environment variables, added to the inherited environment
   * @param log where the child's stdout and stderr go
   */
  static FunctionInvoker start(Setup setup, String target, Map<String, String> env, Path log, Duration startTimeout)
      throws IOException, InterruptedException {
    int port = freeLoopbackPort();
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx384m");
    command.add("-jar");
    command.add(setup.invokerJar().toString());
    command.add("--classpath");
    command.add(setup.functionClasspath());
    command.add("--target");
    command.add(target);
    command.add("--port");
    command.add(Integer.toString(port));

    ProcessBuilder builder = new ProcessBuilder(command);
    Map<String, String> childEnv = builder.environment();
    childEnv.keySet().removeIf(k -> k.startsWith("FNCLIENTS_")); // the function's defaults, not the caller's
    // What Cloud Run functions (2nd gen) sets for every instance.
    String service = simpleName(target).toLowerCase(java.util.Locale.ROOT);
    childEnv.put("FUNCTION_TARGET", target);
    childEnv.put("FUNCTION_SIGNATURE_TYPE", "http");
    childEnv.put("K_SERVICE", service);
    childEnv.put("K_REVISION", service + "-00001-abc");
    childEnv.put("K_CONFIGURATION", service);
    childEnv.put("PORT", Integer.toString(port));
    childEnv.putAll(env);

    Files.createDirectories(log.toAbsolutePath().getParent());
    builder.redirectErrorStream(true);
    builder.redirectOutput(log.toFile());
    Process process = builder.start();
    FunctionInvoker invoker = new FunctionInvoker(process, port, log, target);
    try {
      invoker.awaitListening(startTimeout);
    } catch (IOException | InterruptedException | RuntimeException e) {
      invoker.close();
      throw e;
    }
    return invoker;
  }

  /** The function's URL. */
  URI uri() {
    return URI.create("http://127.0.0.1:" + port + "/");
  }

  /** The child's process id. */
  long pid() {
    return process.pid();
  }

  /** The last lines of the child's output, for failure messages. */
  String logTail(int lines) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join(System.lineSeparator(), all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** Sends SIGTERM and waits for the instance to end (its shutdown hooks run), then kills it if need be. */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private void awaitListening(Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw new IOException("the invoker for " + target + " exited with " + process.exitValue() + ":\n" + logTail(40));
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
        return;
      } catch (IOException notYet) {
        if (System.nanoTime() > deadline) {
          throw new IOException(
              "the invoker for " + target + " did not listen on port " + port + " within " + timeout + ":\n" + logTail(40));
        }
        Thread.sleep(50); // polling for readiness, not timing anything
      }
    }
  }

  /** {@code a.b.C} to {@code C}. */
  static String simpleName(String className) {
    return className.substring(className.lastIndexOf('.') + 1);
  }

  private static int freeLoopbackPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
