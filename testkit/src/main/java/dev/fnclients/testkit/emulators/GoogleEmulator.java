package dev.fnclients.testkit.emulators;

import dev.fnclients.testkit.Processes;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * An emulator of the Google Cloud CLI on a free loopback port; {@link #close()} kills its process
 * tree. The CLI is found at {@code CLOUDSDK_ROOT}, else {@code -Dfnclients.gcloud-sdk}, else the
 * SDK of the {@code gcloud} on the {@code PATH}, else the usual install locations; without it,
 * starting throws an {@link EmulatorNotFoundException} saying what to install (tests fail rather
 * than skip). Start one per test class: Spanner's starts in about a second, the JVM ones in a few.
 */
public final class GoogleEmulator implements AutoCloseable {
  // The executables, relative to the SDK root.
  public static final String PUBSUB = "platform/pubsub-emulator/bin/cloud-pubsub-emulator";
  public static final String SPANNER = "bin/cloud_spanner_emulator/emulator_main";
  public static final String FIRESTORE =
      "platform/cloud-firestore-emulator/cloud_firestore_emulator";

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
          PUBSUB, List.of("pubsub-emulator", "pubsub-emulator"),
          SPANNER, List.of("cloud-spanner-emulator", "spanner-emulator"),
          FIRESTORE, List.of("cloud-firestore-emulator", "firestore-emulator"));

  private static final String INSTALLED_WITHOUT =
      "The Google Cloud CLI is installed (%s) but not its %s component.";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final int START_ATTEMPTS = 3;
  private static final int OUTPUT_CAP_BYTES = 64 * 1024;

  private final String name;
  private final int port;
  private final Path outputFile;
  private final Process process;

  private GoogleEmulator(
      String name, List<String> command, Map<String, String> env, int port, String readyMarker)
      throws IOException {
    this.name = name;
    this.port = port;
    // A file rather than a pipe: nothing has to drain it for the emulator to go on.
    this.outputFile = Files.createTempFile("emulator-" + name + "-", ".log");
    outputFile.toFile().deleteOnExit();
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(outputFile.toFile());
    builder.environment().putAll(env);
    this.process = builder.start();
    try {
      awaitReady(readyMarker);
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /** Starts the Pub/Sub emulator on a free loopback port, on the JVM running the tests. */
  public static GoogleEmulator pubsub() throws IOException {
    return start(
        PUBSUB,
        "pubsub",
        port -> List.of("--host=127.0.0.1", "--port=" + port),
        Map.of(
            "JAVA_HOME", System.getProperty("java.home"), "CLOUD_PUBSUB_EMULATOR_OPTS", "-Xmx512m"),
        "Server started, listening on");
  }

  /** Starts the Cloud Spanner emulator's gRPC server on a free loopback port. */
  public static GoogleEmulator spanner() throws IOException {
    // No readiness line to wait for ("" is in any output): accepting connections is enough.
    return start(
        SPANNER, "spanner", port -> List.of("--host_port", "127.0.0.1:" + port), Map.of(), "");
  }

  /** Starts the Cloud Firestore emulator (native mode) on a free loopback port. */
  public static GoogleEmulator firestore() throws IOException {
    return start(
        FIRESTORE,
        "firestore",
        port -> List.of("--host", "127.0.0.1", "--port", Integer.toString(port)),
        // A JVM of its own: keep it small and quick to start.
        Map.of("JAVA_TOOL_OPTIONS", "-Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC"),
        "Dev App Server is now running");
  }

  /** Retries on another port when another process took the probed one first. */
  private static GoogleEmulator start(
      String relative,
      String name,
      IntFunction<List<String>> args,
      Map<String, String> env,
      String readyMarker)
      throws IOException {
    Path executable = locate(relative, givenSdkRoots(), System.getenv("PATH"), SDK_LOCATIONS);
    for (int attempt = 1; ; attempt++) {
      int port;
      try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        port = probe.getLocalPort();
      }
      List<String> command = new ArrayList<>(List.of(executable.toString()));
      command.addAll(args.apply(port));
      try {
        return new GoogleEmulator(name, command, env, port, readyMarker);
      } catch (IOException e) {
        boolean portTaken =
            e.getMessage().contains("Address already in use")
                || e.getMessage().contains("BindException");
        if (!portTaken || attempt == START_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  /**
   * Where {@code relative} is: under the first of the {@code given} SDK roots that has it, else the
   * SDK of the {@code gcloud} on {@code pathVariable}, else the first of the {@code usual} roots.
   */
  static Path locate(String relative, List<String> given, String pathVariable, List<String> usual) {
    Optional<Path> gcloud =
        Stream.of(pathVariable == null ? new String[0] : pathVariable.split(File.pathSeparator))
            .filter(dir -> !dir.isEmpty())
            .map(dir -> Path.of(dir, "gcloud"))
            .filter(Files::isExecutable)
            .findFirst();
    List<Path> candidates = new ArrayList<>();
    for (String root : given) {
      candidates.add(Path.of(root).resolve(relative));
    }
    gcloud.ifPresent(g -> candidates.add(sdkRootOf(g).resolve(relative)));
    for (String root : usual) {
      candidates.add(
          (root.startsWith("~/")
                  ? Path.of(System.getProperty("user.home"), root.substring(2))
                  : Path.of(root))
              .resolve(relative));
    }
    Optional<Path> found = candidates.stream().filter(Files::isExecutable).findFirst();
    if (found.isPresent()) {
      return found.get();
    }
    List<String> component = COMPONENTS.getOrDefault(relative, List.of(relative, relative));
    throw new EmulatorNotFoundException(
        String.format(
            "These tests run against a real emulator of the Google Cloud CLI, which was not found."
                + " %s Install the Google Cloud CLI (https://cloud.google.com/sdk/docs/install) and"
                + " the emulator: `gcloud components install %s`, or on Debian/Ubuntu `sudo apt-get"
                + " install google-cloud-cli google-cloud-cli-%s`; or set CLOUDSDK_ROOT or"
                + " -Dfnclients.gcloud-sdk to the SDK's root. Looked for %s",
            gcloud
                .map(g -> String.format(INSTALLED_WITHOUT, g, component.get(0)))
                .orElse("The Google Cloud CLI is not installed (no gcloud on the PATH)."),
            component.get(0),
            component.get(1),
            candidates.stream().map(Path::toString).collect(Collectors.joining(", "))));
  }

  private static List<String> givenSdkRoots() {
    return Stream.of(System.getenv("CLOUDSDK_ROOT"), System.getProperty("fnclients.gcloud-sdk"))
        .filter(r -> r != null && !r.isBlank())
        .toList();
  }

  /** {@code <root>/bin/gcloud}, often reached through a link such as {@code /usr/bin/gcloud}. */
  private static Path sdkRootOf(Path gcloud) {
    try {
      return gcloud.toRealPath().getParent().getParent();
    } catch (IOException | NullPointerException e) {
      return gcloud.toAbsolutePath().getParent();
    }
  }

  /** {@code 127.0.0.1:PORT}, the form the emulator variables take. */
  public String hostPort() {
    return "127.0.0.1:" + port;
  }

  public InetSocketAddress address() {
    return new InetSocketAddress("127.0.0.1", port);
  }

  /** The emulator's JVM, to freeze (a script may {@code exec} or fork it), else the process. */
  public ProcessHandle jvm() {
    return Stream.concat(Stream.of(process.toHandle()), process.toHandle().descendants())
        .filter(p -> p.info().command().map(c -> c.endsWith("/java")).orElse(false))
        .findFirst()
        .orElse(process.toHandle());
  }

  /** The last 64 KiB it printed. */
  public String output() {
    return Processes.tail(outputFile, OUTPUT_CAP_BYTES);
  }

  /** Kills its process tree ({@code SIGKILL}: nothing is worth a graceful stop), waits a while. */
  @Override
  public void close() {
    List<ProcessHandle> tree =
        Stream.concat(process.descendants(), Stream.of(process.toHandle())).toList();
    tree.forEach(ProcessHandle::destroyForcibly);
    for (ProcessHandle p : tree) {
      try {
        p.onExit().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        // Still going after SIGKILL: nothing more a test can do about it.
      }
    }
  }

  private void awaitReady(String marker) throws IOException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException(
            name + " emulator exited with " + process.exitValue() + ": " + output());
      }
      if (output().contains(marker)) {
        try (Socket s = new Socket()) {
          s.connect(address(), 200);
          return;
        } catch (IOException notYet) {
          // Try again below.
        }
      }
      try {
        Thread.sleep(50); // polling a starting process
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while starting the " + name + " emulator", e);
      }
    }
    throw new IOException(name + " emulator not ready within " + START_TIMEOUT + ": " + output());
  }

  /** An emulator is not installed; the message says what to install. */
  public static final class EmulatorNotFoundException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    EmulatorNotFoundException(String message) {
      super(message);
    }
  }
}
