package dev.fnclients.consumer;

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
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A consumer's function running on the Functions Framework invoker in a child JVM, started the way
 * the platform starts it: {@code java -jar java-function-invoker.jar --classpath CP --target CLASS
 * --port PORT}. The invoker gives the function a class loader of its own that sees only the
 * Functions Framework API of the invoker's classes. stdout and stderr go to separate files, so
 * tests can read what the function printed to stderr.
 */
final class FunctionInstance implements AutoCloseable {
  private final Process process;
  private final int port;
  private final Path stdout;
  private final Path stderr;

  private FunctionInstance(Process process, int port, Path stdout, Path stderr) {
    this.process = process;
    this.port = port;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /**
   * Starts {@code target} of {@code consumer} with the extra environment {@code env} and waits
   * until it listens.
   */
  static FunctionInstance start(ConsumerBuild consumer, String target, Map<String, String> env)
      throws IOException, InterruptedException {
    int port;
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    Path logs = Path.of(ConsumerBuild.property("consumers.logDirectory"));
    Files.createDirectories(logs);
    Path stdout = logs.resolve(consumer.name() + ".out.log");
    Path stderr = logs.resolve(consumer.name() + ".err.log");
    ProcessBuilder builder =
        new ProcessBuilder(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-jar",
                ConsumerBuild.property("consumers.invokerJar"),
                "--classpath",
                consumer.runtimeClasspathString(),
                "--target",
                target,
                "--port",
                Integer.toString(port)));
    builder
        .environment()
        .keySet()
        .removeIf(k -> k.startsWith("FNCLIENTS_") || k.equals("PUBSUB_EMULATOR_HOST"));
    builder.environment().putAll(env);
    builder.redirectOutput(stdout.toFile());
    builder.redirectError(stderr.toFile());
    FunctionInstance instance = new FunctionInstance(builder.start(), port, stdout, stderr);
    try {
      instance.awaitListening(Duration.ofSeconds(60));
    } catch (IOException | InterruptedException | RuntimeException e) {
      instance.close();
      throw e;
    }
    return instance;
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + port + "/");
  }

  /** What the instance has written to stderr so far. */
  String stderr() {
    return read(stderr);
  }

  /** Both outputs, for failure messages. */
  String output() {
    return "stdout:\n" + read(stdout) + "\nstderr:\n" + read(stderr);
  }

  /** SIGTERM, as the platform retires an instance; killed if it has not ended after 15 s. */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(15, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }

  private void awaitListening(Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw new IOException("the invoker exited with " + process.exitValue() + "\n" + output());
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
        return;
      } catch (IOException notYet) {
        if (System.nanoTime() > deadline) {
          throw new IOException(
              "the invoker did not listen on port "
                  + port
                  + " within "
                  + timeout
                  + "\n"
                  + output());
        }
        Thread.sleep(50); // polling for readiness, not timing anything
      }
    }
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
