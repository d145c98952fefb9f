package dev.fnclients.testkit.emulators;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * An emulator of the Google Cloud CLI on a free loopback port; where the CLI is looked for and what
 * happens without it: see the testkit README.
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
          System.getProperty("user.home") + "/google-cloud-sdk");

  /** Each emulator's {@code gcloud components} name and Debian/Ubuntu package suffix. */
  private static final Map<String, List<String>> COMPONENTS =
      Map.of(
          PUBSUB, List.of("pubsub-emulator", "pubsub-emulator"),
          SPANNER, List.of("cloud-spanner-emulator", "spanner-emulator"),
          FIRESTORE, List.of("cloud-firestore-emulator", "firestore-emulator"));

  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final int START_ATTEMPTS = 3;

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

  /** Starts the Pub/Sub emulator, on the JVM running the tests. */
  public static GoogleEmulator pubsub() throws IOException {
    Map<String, String> env =
        Map.of(
            "JAVA_HOME", System.getProperty("java.home"), "CLOUD_PUBSUB_EMULATOR_OPTS", "-Xmx512m");
    return start(PUBSUB, env, "Server started, listening on", "--host=127.0.0.1", "--port=%d");
  }

  /** Starts the Cloud Spanner emulator's gRPC server. */
  public static GoogleEmulator spanner() throws IOException {
    // No readiness line to wait for ("" is in any output): accepting connections is enough.
    return start(SPANNER, Map.of(), "", "--host_port", "127.0.0.1:%d");
  }

  /** Starts the Cloud Firestore emulator (native mode). */
  public static GoogleEmulator firestore() throws IOException {
    // A JVM of its own: keep it small and quick to start.
    Map<String, String> env =
        Map.of("JAVA_TOOL_OPTIONS", "-Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC");
    return start(
        FIRESTORE, env, "Dev App Server is now running", "--host", "127.0.0.1", "--port", "%d");
  }

  /**
   * Starts {@code relative} with {@code args} ({@code %d}: the port) on a free port; retries on
   * another when another process took the probed one first.
   */
  private static GoogleEmulator start(
      String relative, Map<String, String> env, String readyMarker, String... args)
      throws IOException {
    Path executable = locate(relative, givenSdkRoots(), System.getenv("PATH"), SDK_LOCATIONS);
    for (int attempt = 1; ; attempt++) {
      int port;
      try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        port = probe.getLocalPort();
      }
      List<String> command = new ArrayList<>(List.of(executable.toString()));
      Stream.of(args).forEach(arg -> command.add(String.format(arg, port)));
      try {
        return new GoogleEmulator(COMPONENTS.get(relative).get(0), command, env, port, readyMarker);
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
    given.forEach(root -> candidates.add(Path.of(root, relative)));
    gcloud.ifPresent(g -> candidates.add(sdkRootOf(g).resolve(relative)));
    usual.forEach(root -> candidates.add(Path.of(root, relative)));
    Optional<Path> found = candidates.stream().filter(Files::isExecutable).findFirst();
    if (found.isPresent()) {
      return found.get();
    }
    List<String> component = COMPONENTS.get(relative);
    throw new IllegalStateException(
        String.format(
            "These tests run against a real emulator of the Google Cloud CLI, which was not found."
                + " %s Install the Google Cloud CLI (https://cloud.google.com/sdk/docs/install) and"
                + " the emulator: `gcloud components install %s`, or on Debian/Ubuntu `sudo apt-get"
                + " install google-cloud-cli google-cloud-cli-%s`; or set CLOUDSDK_ROOT or"
                + " -Dfnclients.gcloud-sdk to the SDK's root. Looked for %s",
            gcloud
                .map(
                    g ->
                        "The Google Cloud CLI is installed ("
                            + g
                            + ") but not its "
                            + component.get(0)
                            + " component.")
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

  /** {@code 127.0.0.1:PORT}, as the emulator variables want it. */
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

  /** What it printed so far. */
  public String output() {
    try {
      return new String(Files.readAllBytes(outputFile), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
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
        throw new IOException(name + " exited with " + process.exitValue() + ": " + output());
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
        throw new IOException("interrupted while starting " + name, e);
      }
    }
    throw new IOException(name + " not ready within " + START_TIMEOUT + ": " + output());
  }
}
