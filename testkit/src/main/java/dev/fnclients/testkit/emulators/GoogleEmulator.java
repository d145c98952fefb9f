package dev.fnclients.testkit.emulators;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One of the emulators the Google Cloud CLI ships, started on a free loopback port for a test and
 * stopped, child processes included, by {@link #close()}. The CLI is looked for in
 * {@code CLOUDSDK_ROOT}, the {@code fnclients.gcloud-sdk} system property, or
 * {@code /usr/lib/google-cloud-sdk}; {@link #spannerAvailable()} and {@link #firestoreAvailable()}
 * tell whether it is there.
 *
 * <p>Start one per test class: the Spanner emulator starts in about a second, Firestore's (a JVM)
 * in a few.
 */
public final class GoogleEmulator implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final int OUTPUT_CAP = 64 * 1024;

  private final String name;
  private final Process process;
  private final int port;
  private final StringBuilder output = new StringBuilder();

  private GoogleEmulator(String name, List<String> command, int port, String readyMarker) throws IOException {
    this.name = name;
    this.port = port;
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    // The Firestore emulator is a JVM of its own: keep it small and quick to start.
    builder.environment().put("JAVA_TOOL_OPTIONS", "-Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC");
    this.process = builder.start();
    Thread drain = new Thread(() -> drain(process.getInputStream()), "emulator-" + name + "-output");
    drain.setDaemon(true);
    drain.start();
    try {
      awaitReady(readyMarker);
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /** Starts the Cloud Spanner emulator's gRPC server on a free loopback port. */
  public static GoogleEmulator spanner() throws IOException {
    int port = freePort();
    List<String> command =
        List.of(sdk().resolve("bin/cloud_spanner_emulator/emulator_main").toString(), "--host_port", "127.0.0.1:" + port);
    return new GoogleEmulator("spanner", command, port, null);
  }

  /** Starts the Cloud Firestore emulator (native mode) on a free loopback port. */
  public static GoogleEmulator firestore() throws IOException {
    int port = freePort();
    List<String> command = new ArrayList<>(List.of(
        sdk().resolve("platform/cloud-firestore-emulator/cloud_firestore_emulator").toString(),
        "--host", "127.0.0.1", "--port", Integer.toString(port)));
    return new GoogleEmulator("firestore", command, port, "Dev App Server is now running");
  }

  /** True when the Spanner emulator binary is installed. */
  public static boolean spannerAvailable() {
    return Files.isExecutable(sdk().resolve("bin/cloud_spanner_emulator/emulator_main"));
  }

  /** True when the Firestore emulator is installed. */
  public static boolean firestoreAvailable() {
    return Files.isExecutable(sdk().resolve("platform/cloud-firestore-emulator/cloud_firestore_emulator"));
  }

  /** The port it listens on. */
  public int port() {
    return port;
  }

  /** {@code 127.0.0.1:PORT}, the form the emulator variables take. */
  public String hostPort() {
    return "127.0.0.1:" + port;
  }

  /** Its address. */
  public InetSocketAddress address() {
    return new InetSocketAddress("127.0.0.1", port);
  }

  /** What it printed so far (the last 64 KiB), for diagnostics. */
  public String output() {
    synchronized (output) {
      return output.toString();
    }
  }

  /** Stops it and every process it started (the Firestore script runs a JVM as its child). */
  @Override
  public void close() {
    List<ProcessHandle> children = process.descendants().toList();
    children.forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
      for (ProcessHandle child : children) {
        child.onExit().get(10, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      children.forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
  }

  @Override
  public String toString() {
    return "GoogleEmulator[" + name + " at " + hostPort() + "]";
  }

  private void awaitReady(String marker) throws IOException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException(name + " emulator exited with " + process.exitValue() + ": " + output());
      }
      if ((marker == null || output().contains(marker)) && accepts()) {
        return;
      }
      try {
        Thread.sleep(50); // polling a starting process; not a timing assertion
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while starting the " + name + " emulator", e);
      }
    }
    throw new IOException(name + " emulator not ready within " + START_TIMEOUT + ": " + output());
  }

  private boolean accepts() {
    try (Socket s = new Socket()) {
      s.connect(address(), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private void drain(InputStream in) {
    byte[] buffer = new byte[8192];
    try (in) {
      for (int n; (n = in.read(buffer)) >= 0; ) {
        synchronized (output) {
          output.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
          if (output.length() > OUTPUT_CAP) {
            output.delete(0, output.length() - OUTPUT_CAP);
          }
        }
      }
    } catch (IOException e) {
      // The process ended; what it printed is kept.
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static Path sdk() {
    String root = System.getenv("CLOUDSDK_ROOT");
    if (root == null) {
      root = System.getProperty("fnclients.gcloud-sdk", "/usr/lib/google-cloud-sdk");
    }
    return Path.of(root);
  }
}
