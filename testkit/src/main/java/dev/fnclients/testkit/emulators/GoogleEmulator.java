package dev.fnclients.testkit.emulators;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.stream.Stream;

/**
 * One of the emulators the Google Cloud CLI ships (Pub/Sub, Spanner, Firestore), started on a free
 * loopback port for a test and stopped, its whole process tree with it, by {@link #close()}.
 *
 * <p>The CLI is found, in this order, at {@code CLOUDSDK_ROOT}, the {@code fnclients.gcloud-sdk}
 * system property, the SDK of the {@code gcloud} on the {@code PATH}, or the usual install
 * locations. When an emulator is not there, starting it throws an {@link EmulatorNotFoundException}
 * that says what to install: tests that need it fail rather than skip.
 *
 * <p>Start one per test class: the Spanner emulator starts in about a second, the Pub/Sub and
 * Firestore emulators (JVMs) in a few.
 */
public final class GoogleEmulator implements AutoCloseable {
  /** The Pub/Sub emulator's script, relative to the SDK root. */
  public static final String PUBSUB = "platform/pubsub-emulator/bin/cloud-pubsub-emulator";

  /** The Spanner emulator's binary, relative to the SDK root. */
  public static final String SPANNER = "bin/cloud_spanner_emulator/emulator_main";

  /** The Firestore emulator's script, relative to the SDK root. */
  public static final String FIRESTORE =
      "platform/cloud-firestore-emulator/cloud_firestore_emulator";

  /** System property naming the SDK root. */
  public static final String SDK_PROPERTY = "fnclients.gcloud-sdk";

  private static final List<String> SDK_LOCATIONS =
      List.of(
          "/usr/lib/google-cloud-sdk",
          "/usr/share/google-cloud-sdk",
          "/opt/google-cloud-sdk",
          "/snap/google-cloud-cli/current",
          "/snap/google-cloud-sdk/current",
          "/opt/homebrew/share/google-cloud-sdk",
          "/usr/local/share/google-cloud-sdk",
          "~/google-cloud-sdk");

  /** Each emulator's {@code gcloud components} name and Debian/Ubuntu package suffix. */
  private static final Map<String, List<String>> COMPONENTS =
      Map.of(
          PUBSUB,
          List.of("pubsub-emulator", "pubsub-emulator"),
          SPANNER,
          List.of("cloud-spanner-emulator", "spanner-emulator"),
          FIRESTORE,
          List.of("cloud-firestore-emulator", "firestore-emulator"));

  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final int START_ATTEMPTS = 3;
  private static final int OUTPUT_CAP = 64 * 1024;

  private final String name;
  private final Process process;
  private final int port;
  private final StringBuilder output = new StringBuilder();

  private GoogleEmulator(
      String name, List<String> command, Map<String, String> env, int port, String readyMarker)
      throws IOException {
    this.name = name;
    this.port = port;
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(env);
    this.process = builder.start();
    Thread drain =
        new Thread(() -> drain(process.getInputStream()), "emulator-" + name + "-output");
    drain.setDaemon(true);
    drain.start();
    try {
      awaitReady(readyMarker);
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /** Starts the Pub/Sub emulator on a free loopback port, on the JVM running the tests. */
  public static GoogleEmulator pubsub() throws IOException {
    Path script = locate(PUBSUB, System.getenv("PATH"), sdkRoots());
    Map<String, String> env =
        Map.of(
            "JAVA_HOME", System.getProperty("java.home"), "CLOUD_PUBSUB_EMULATOR_OPTS", "-Xmx512m");
    return start(
        "pubsub",
        port -> List.of(script.toString(), "--host=127.0.0.1", "--port=" + port),
        env,
        "Server started, listening on");
  }

  /** Starts the Cloud Spanner emulator's gRPC server on a free loopback port. */
  public static GoogleEmulator spanner() throws IOException {
    Path binary = locate(SPANNER, System.getenv("PATH"), sdkRoots());
    return start(
        "spanner",
        port -> List.of(binary.toString(), "--host_port", "127.0.0.1:" + port),
        Map.of(),
        null);
  }

  /** Starts the Cloud Firestore emulator (native mode) on a free loopback port. */
  public static GoogleEmulator firestore() throws IOException {
    Path script = locate(FIRESTORE, System.getenv("PATH"), sdkRoots());
    // A JVM of its own: keep it small and quick to start.
    Map<String, String> env =
        Map.of("JAVA_TOOL_OPTIONS", "-Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC");
    return start(
        "firestore",
        port -> List.of(script.toString(), "--host", "127.0.0.1", "--port", Integer.toString(port)),
        env,
        "Dev App Server is now running");
  }

  /**
   * Retries on another port when another process took the probed one before the emulator bound it.
   */
  private static GoogleEmulator start(
      String name, IntFunction<List<String>> command, Map<String, String> env, String readyMarker)
      throws IOException {
    IOException last = null;
    for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
      int port = freePort();
      try {
        return new GoogleEmulator(name, command.apply(port), env, port, readyMarker);
      } catch (IOException e) {
        last = e;
        if (!e.getMessage().contains("Address already in use")
            && !e.getMessage().contains("BindException")) {
          throw e;
        }
      }
    }
    throw last;
  }

  /**
   * Where {@code relative} is, under the SDK of a {@code gcloud} on {@code pathVariable}, else the
   * first of {@code roots}.
   */
  static Path locate(String relative, String pathVariable, List<String> roots) {
    Optional<Path> gcloud =
        Stream.of(pathVariable == null ? new String[0] : pathVariable.split(File.pathSeparator))
            .filter(dir -> !dir.isEmpty())
            .map(dir -> Paths.get(dir, "gcloud"))
            .filter(Files::isExecutable)
            .findFirst();
    List<Path> candidates = new ArrayList<>();
    gcloud.ifPresent(g -> candidates.add(sdkRootOf(g).resolve(relative)));
    for (String root : roots) {
      Path r =
          root.startsWith("~/")
              ? Paths.get(System.getProperty("user.home"), root.substring(2))
              : Paths.get(root);
      candidates.add(r.resolve(relative));
    }
    Optional<Path> found = candidates.stream().filter(Files::isExecutable).findFirst();
    if (found.isPresent()) {
      return found.get();
    }
    List<String> component = COMPONENTS.getOrDefault(relative, List.of(relative, relative));
    throw new EmulatorNotFoundException(
        "These tests run against a real emulator of the Google Cloud CLI, which was "
            + "not found. "
            + gcloud
                .map(
                    g ->
                        "The Google Cloud CLI is installed ("
                            + g
                            + ") but not its "
                            + component.get(0)
                            + " component. ")
                .orElse("The Google Cloud CLI is not installed (no gcloud on the PATH). ")
            + "Install the Google Cloud CLI (https://cloud.google.com/sdk/docs/install) and the emulator: `gcloud components "
            + "install "
            + component.get(0)
            + "`, or on Debian/Ubuntu `sudo apt-get install google-cloud-cli google-cloud-cli-"
            + component.get(1)
            + "`; or set CLOUDSDK_ROOT or -D"
            + SDK_PROPERTY
            + " to the SDK's root. Looked for "
            + candidates.stream()
                .map(Path::toString)
                .reduce((a, b) -> a + ", " + b)
                .orElse("nothing"));
  }

  /** {@code CLOUDSDK_ROOT}, {@code -Dfnclients.gcloud-sdk}, then the usual install locations. */
  private static List<String> sdkRoots() {
    List<String> roots = new ArrayList<>();
    Stream.of(System.getenv("CLOUDSDK_ROOT"), System.getProperty(SDK_PROPERTY))
        .filter(r -> r != null && !r.isBlank())
        .forEach(roots::add);
    roots.addAll(SDK_LOCATIONS);
    return roots;
  }

  /**
   * {@code <root>/bin/gcloud}, often reached through a symbolic link such as {@code
   * /usr/bin/gcloud}.
   */
  private static Path sdkRootOf(Path gcloud) {
    try {
      return gcloud.toRealPath().getParent().getParent();
    } catch (IOException | NullPointerException e) {
      return gcloud.toAbsolutePath().getParent();
    }
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

  /**
   * The emulator's JVM, to freeze (a script may {@code exec} java or fork it), else the process
   * itself.
   */
  public ProcessHandle jvm() {
    return Stream.concat(Stream.of(process.toHandle()), process.toHandle().descendants())
        .filter(
            p ->
                p.info()
                    .command()
                    .map(c -> c.endsWith("/java") || c.endsWith("\\java.exe"))
                    .orElse(false))
        .findFirst()
        .orElse(process.toHandle());
  }

  /** What it printed so far (the last 64 KiB), for diagnostics. */
  public String output() {
    synchronized (output) {
      return output.toString();
    }
  }

  /**
   * Kills its whole process tree ({@code SIGKILL}: it keeps nothing worth a graceful stop) and
   * waits a bounded time.
   */
  @Override
  public void close() {
    List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
    tree.add(process.toHandle());
    tree.forEach(ProcessHandle::destroyForcibly);
    for (ProcessHandle p : tree) {
      try {
        p.onExit().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        // Still going after SIGKILL: nothing more a test can do about it.
      }
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
        throw new IOException(
            name + " emulator exited with " + process.exitValue() + ": " + output());
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
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** An emulator is not installed; the message says what to install. */
  public static final class EmulatorNotFoundException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    EmulatorNotFoundException(String message) {
      super(message);
    }
  }
}
