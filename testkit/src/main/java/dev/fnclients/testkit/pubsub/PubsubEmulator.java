package dev.fnclients.testkit.pubsub;

import com.google.pubsub.v1.PublisherGrpc;
import com.google.pubsub.v1.PullRequest;
import com.google.pubsub.v1.PullResponse;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.ReceivedMessage;
import com.google.pubsub.v1.SubscriberGrpc;
import com.google.pubsub.v1.Subscription;
import com.google.pubsub.v1.Topic;
import dev.fnclients.testkit.ProcessSignals;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The real Pub/Sub emulator of the Google Cloud CLI, started on a free loopback port for a test
 * and stopped with its whole process tree. Tests publish to it with the real client, check what it
 * holds by pulling a subscription, and stall it with {@link #freeze()} ({@code SIGSTOP} of its
 * JVM: connections stay open, the kernel still accepts bytes, nothing answers) and
 * {@link #thaw()}.
 *
 * <p>It is found, in this order, at the path in the system property {@value #PATH_PROPERTY} or the
 * environment variable {@value #PATH_VARIABLE} (the {@code cloud-pubsub-emulator} script), under
 * the SDK of the {@code gcloud} on the {@code PATH}, or under the usual install locations of the
 * Google Cloud CLI. When it is not found, {@link #start()} throws an
 * {@link EmulatorNotFoundException} that says what to install; tests that need it fail rather
 * than skip. It runs on the JVM running the tests ({@code JAVA_HOME} is set for it).
 *
 * <p>Needs {@code grpc-netty-shaded}, {@code grpc-stub} and {@code grpc-google-cloud-pubsub-v1}
 * on the class path (for the admin calls), like {@link LoopbackPubsubServer}.
 */
public final class PubsubEmulator implements AutoCloseable {
  /** System property naming the {@code cloud-pubsub-emulator} script. */
  public static final String PATH_PROPERTY = "fnclients.pubsub-emulator";
  /** Environment variable naming the {@code cloud-pubsub-emulator} script. */
  public static final String PATH_VARIABLE = "FNCLIENTS_PUBSUB_EMULATOR";

  static final String SCRIPT = "platform/pubsub-emulator/bin/cloud-pubsub-emulator";
  static final String INSTALL_HINT =
      "Install the Google Cloud CLI (https://cloud.google.com/sdk/docs/install) and its Pub/Sub emulator:"
          + " `gcloud components install pubsub-emulator`, or on Debian/Ubuntu"
          + " `sudo apt-get install google-cloud-cli google-cloud-cli-pubsub-emulator`;"
          + " or set -D" + PATH_PROPERTY + " or " + PATH_VARIABLE + " to the cloud-pubsub-emulator script.";
  private static final List<String> SDK_LOCATIONS = List.of(
      "/usr/lib/google-cloud-sdk",
      "/usr/share/google-cloud-sdk",
      "/opt/google-cloud-sdk",
      "/snap/google-cloud-cli/current",
      "/snap/google-cloud-sdk/current",
      "/opt/homebrew/share/google-cloud-sdk",
      "/usr/local/share/google-cloud-sdk",
      "~/google-cloud-sdk");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration ADMIN_DEADLINE = Duration.ofSeconds(30);
  private static final int START_ATTEMPTS = 3;
  private static final int OUTPUT_TAIL_CHARS = 3000;

  private final Process process;
  private final ProcessHandle jvm;
  private final int port;
  private final Path log;
  private final ManagedChannel admin;

  private PubsubEmulator(Process process, ProcessHandle jvm, int port, Path log) {
    this.process = process;
    this.jvm = jvm;
    this.port = port;
    this.log = log;
    this.admin = Grpc.newChannelBuilder(target(), InsecureChannelCredentials.create()).build();
  }

  /**
   * Finds the emulator, starts it on a free loopback port and returns once it answers.
   *
   * @throws EmulatorNotFoundException when the emulator is not installed, saying what to install
   * @throws IOException when it cannot be started or does not answer within 90 s (its output is
   *     in the message)
   */
  public static PubsubEmulator start() throws IOException {
    Path script = locate(System.getProperty(PATH_PROPERTY), System.getenv(PATH_VARIABLE), System.getenv("PATH"), SDK_LOCATIONS);
    IOException last = null;
    for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
      try {
        return start(script, freePort());
      } catch (PortTakenException e) {
        last = e; // another process took the port between our probe and the emulator's bind
      }
    }
    throw last;
  }

  /** Where the {@code cloud-pubsub-emulator} script is, from the first source that names one. */
  static Path locate(String property, String variable, String pathVariable, List<String> sdkLocations) {
    List<String> looked = new ArrayList<>();
    for (String explicit : new String[] {property, variable}) {
      if (explicit != null && !explicit.isBlank()) {
        Path p = Paths.get(explicit.trim());
        if (Files.isExecutable(p)) {
          return p;
        }
        throw new EmulatorNotFoundException(
            "The Pub/Sub emulator named by -D" + PATH_PROPERTY + " / " + PATH_VARIABLE + " is not an executable file: "
                + p + ". " + INSTALL_HINT);
      }
    }
    Optional<Path> gcloud = onPath("gcloud", pathVariable);
    List<Path> roots = new ArrayList<>();
    gcloud.ifPresent(g -> roots.add(sdkRootOf(g)));
    for (String location : sdkLocations) {
      roots.add(location.startsWith("~/") ? Paths.get(System.getProperty("user.home"), location.substring(2)) : Paths.get(location));
    }
    for (Path root : roots) {
      Path script = root.resolve(SCRIPT);
      looked.add(script.toString());
      if (Files.isExecutable(script)) {
        return script;
      }
    }
    String found =
        gcloud.map(g -> "The Google Cloud CLI is installed (" + g + ") but not its Pub/Sub emulator component. ")
            .orElse("The Google Cloud CLI is not installed (no gcloud on the PATH). ");
    throw new EmulatorNotFoundException(
        "These tests run against the real Pub/Sub emulator, which was not found. " + found + INSTALL_HINT
            + " Looked for " + String.join(", ", looked));
  }

  private static Optional<Path> onPath(String command, String pathVariable) {
    if (pathVariable == null) {
      return Optional.empty();
    }
    for (String dir : pathVariable.split(java.io.File.pathSeparator)) {
      if (!dir.isEmpty()) {
        Path candidate = Paths.get(dir, command);
        if (Files.isExecutable(candidate)) {
          return Optional.of(candidate);
        }
      }
    }
    return Optional.empty();
  }

  /** {@code <root>/bin/gcloud}, often reached through a symbolic link such as {@code /usr/bin/gcloud}. */
  private static Path sdkRootOf(Path gcloud) {
    try {
      return gcloud.toRealPath().getParent().getParent();
    } catch (IOException | NullPointerException e) {
      return gcloud.toAbsolutePath().getParent();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket probe = new ServerSocket()) {
      probe.bind(new InetSocketAddress("127.0.0.1", 0));
      return probe.getLocalPort();
    }
  }

  private static PubsubEmulator start(Path script, int port) throws IOException {
    Path log = Files.createTempFile("pubsub-emulator-" + port + "-", ".log");
    ProcessBuilder builder =
        new ProcessBuilder(script.toString(), "--host=127.0.0.1", "--port=" + port)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    Map<String, String> env = builder.environment();
    env.put("JAVA_HOME", System.getProperty("java.home"));
    env.putIfAbsent("CLOUD_PUBSUB_EMULATOR_OPTS", "-Xmx512m");
    Process process = builder.start();
    try {
      awaitAnswer(process, port, log);
      return new PubsubEmulator(process, jvmOf(process), port, log);
    } catch (IOException | RuntimeException | Error e) {
      destroyTree(process);
      Files.deleteIfExists(log);
      throw e;
    }
  }

  /** The emulator answers {@code GET /} with {@code Ok} on its gRPC port once it is serving. */
  private static void awaitAnswer(Process process, int port, Path log) throws IOException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() - deadline < 0) {
      if (!process.isAlive()) {
        String output = tail(log);
        if (output.contains("Address already in use") || output.contains("BindException")) {
          throw new PortTakenException("port " + port + " was taken: " + output);
        }
        throw new IOException("the Pub/Sub emulator exited with code " + process.exitValue() + " before answering: " + output);
      }
      if (answers(port)) {
        return;
      }
      sleep(Duration.ofMillis(100));
    }
    throw new IOException("the Pub/Sub emulator did not answer on 127.0.0.1:" + port + " within " + START_TIMEOUT + ": " + tail(log));
  }

  private static boolean answers(int port) {
    try {
      HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/").toURL().openConnection();
      c.setConnectTimeout(500);
      c.setReadTimeout(2000);
      try {
        return c.getResponseCode() == 200;
      } finally {
        c.disconnect();
      }
    } catch (IOException e) {
      return false;
    }
  }

  /** The emulator's JVM: the script {@code exec}s {@code java}, but a wrapper may fork it instead. */
  private static ProcessHandle jvmOf(Process process) {
    return Stream.concat(Stream.of(process.toHandle()), process.toHandle().descendants())
        .filter(p -> p.info().command().map(c -> c.endsWith("/java") || c.endsWith("\\java.exe")).orElse(false))
        .findFirst()
        .orElse(process.toHandle());
  }

  /** The emulator's {@code host:port}, for {@code PUBSUB_EMULATOR_HOST}. */
  public String target() {
    return "127.0.0.1:" + port;
  }

  /** The port it listens on. */
  public int port() {
    return port;
  }

  /** Its address. */
  public InetSocketAddress address() {
    return new InetSocketAddress("127.0.0.1", port);
  }

  /** The pid of the emulator's JVM, the process {@link #freeze()} stops. */
  public long jvmPid() {
    return jvm.pid();
  }

  /** Creates {@code topic} ({@code projects/P/topics/T}). */
  public void createTopic(String topic) {
    PublisherGrpc.newBlockingStub(admin)
        .withDeadlineAfter(ADMIN_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
        .createTopic(Topic.newBuilder().setName(topic).build());
  }

  /**
   * Creates {@code subscription} ({@code projects/P/subscriptions/S}) on {@code topic}, with a
   * 600 s acknowledgement deadline so that nothing is redelivered while a test pulls. Create it
   * before publishing: a subscription receives only what is published after it exists.
   */
  public void createSubscription(String subscription, String topic) {
    SubscriberGrpc.newBlockingStub(admin)
        .withDeadlineAfter(ADMIN_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
        .createSubscription(
            Subscription.newBuilder()
                .setName(subscription)
                .setTopic(topic)
                .setAckDeadlineSeconds(600)
                .setEnableMessageOrdering(true)
                .build());
  }

  /**
   * Pulls everything {@code subscription} holds: pulls until two pulls {@code settle} apart find
   * nothing more, so that requests the emulator is still working through (after a
   * {@link #thaw()}, say) are included. Nothing is acknowledged: the subscription's 600 s
   * acknowledgement deadline keeps what was pulled from coming back meanwhile. Duplicates, if the
   * emulator has any, are returned as often as it delivered them, in delivery order.
   */
  public List<PubsubMessage> pullAll(String subscription, Duration settle) {
    SubscriberGrpc.SubscriberBlockingStub stub = SubscriberGrpc.newBlockingStub(admin);
    List<PubsubMessage> messages = new ArrayList<>();
    int empty = 0;
    while (empty < 2) {
      @SuppressWarnings("deprecation") // the emulator honours it; a waiting pull would cost the deadline
      PullRequest request =
          PullRequest.newBuilder().setSubscription(subscription).setMaxMessages(1000).setReturnImmediately(true).build();
      PullResponse response =
          stub.withDeadlineAfter(ADMIN_DEADLINE.toMillis(), TimeUnit.MILLISECONDS).pull(request);
      if (response.getReceivedMessagesCount() == 0) {
        empty++;
        sleep(settle);
        continue;
      }
      empty = 0;
      for (ReceivedMessage r : response.getReceivedMessagesList()) {
        messages.add(r.getMessage());
      }
    }
    return messages;
  }

  /** The ids of {@link #pullAll}'s messages, each once. */
  public Set<String> pullAllIds(String subscription, Duration settle) {
    Set<String> ids = new LinkedHashSet<>();
    for (PubsubMessage m : pullAll(subscription, settle)) {
      ids.add(m.getMessageId());
    }
    return ids;
  }

  /**
   * Stalls the emulator: {@code SIGSTOP} to its JVM, returning once every thread is stopped. Open
   * connections stay open and the kernel keeps accepting bytes into their buffers; nothing is
   * answered until {@link #thaw()}.
   */
  public void freeze() {
    ProcessSignals.stop(jvm);
  }

  /** Resumes a {@link #freeze() frozen} emulator ({@code SIGCONT}); harmless if it is running. */
  public void thaw() {
    ProcessSignals.resume(jvm);
  }

  /** Whether the emulator's JVM is still running (a frozen one is). */
  public boolean isAlive() {
    return jvm.isAlive();
  }

  /** What the emulator printed, at most the last few thousand characters. */
  public String output() {
    return tail(log);
  }

  /** Kills the emulator's whole process tree ({@code SIGKILL}, which also ends a frozen one) and waits for it. */
  @Override
  public void close() {
    admin.shutdownNow();
    destroyTree(process);
    try {
      Files.deleteIfExists(log);
    } catch (IOException e) {
      // A temporary file; the OS cleans it up eventually.
    }
  }

  private static void destroyTree(Process process) {
    List<ProcessHandle> tree = new ArrayList<>();
    process.toHandle().descendants().forEach(tree::add);
    tree.add(process.toHandle());
    for (ProcessHandle p : tree) {
      p.destroyForcibly();
    }
    for (ProcessHandle p : tree) {
      try {
        p.onExit().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        // Still going after SIGKILL: nothing more a test can do about it.
      }
    }
  }

  private static String tail(Path log) {
    try {
      String s = Files.readString(log, StandardCharsets.UTF_8);
      return s.length() <= OUTPUT_TAIL_CHARS ? s : "..." + s.substring(s.length() - OUTPUT_TAIL_CHARS);
    } catch (IOException | UncheckedIOException e) {
      return "<no output: " + e + ">";
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public String toString() {
    return "PubsubEmulator[" + target() + ", jvm pid " + jvm.pid() + "]";
  }

  /** The emulator is not installed; the message says what to install. */
  public static final class EmulatorNotFoundException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    EmulatorNotFoundException(String message) {
      super(message);
    }
  }

  private static final class PortTakenException extends IOException {
    private static final long serialVersionUID = 1L;

    PortTakenException(String message) {
      super(message);
    }
  }
}
