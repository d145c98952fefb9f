package dev.fnclients.testkit.pubsub;

import com.google.pubsub.v1.PublisherGrpc;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.PullRequest;
import com.google.pubsub.v1.PullResponse;
import com.google.pubsub.v1.ReceivedMessage;
import com.google.pubsub.v1.SubscriberGrpc;
import com.google.pubsub.v1.Subscription;
import com.google.pubsub.v1.Topic;
import dev.fnclients.testkit.ProcessSignals;
import dev.fnclients.testkit.emulators.GoogleEmulator;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The real Pub/Sub emulator of the Google Cloud CLI ({@link GoogleEmulator#pubsub()}), with what
 * tests do to it: they publish to it with the real client, check what it holds by pulling a
 * subscription, and stall it with {@link #freeze()} ({@code SIGSTOP} of its JVM: connections stay
 * open, the kernel still accepts bytes, nothing answers) and {@link #thaw()}. When it is not
 * installed, {@link #start()} throws a {@link GoogleEmulator.EmulatorNotFoundException} that says
 * what to install; tests that need it fail rather than skip.
 *
 * <p>Needs {@code grpc-netty-shaded}, {@code grpc-stub} and {@code grpc-google-cloud-pubsub-v1} on
 * the class path (for the admin calls), like {@link LoopbackPubsubServer}.
 */
public final class PubsubEmulator implements AutoCloseable {
  private static final Duration ADMIN_DEADLINE = Duration.ofSeconds(30);

  private final GoogleEmulator emulator;
  private final ProcessHandle jvm;
  private final ManagedChannel admin;

  private PubsubEmulator(GoogleEmulator emulator) {
    this.emulator = emulator;
    this.jvm = emulator.jvm();
    this.admin = Grpc.newChannelBuilder(target(), InsecureChannelCredentials.create()).build();
  }

  /**
   * Starts the emulator on a free loopback port, returning once it serves (see {@link
   * GoogleEmulator#pubsub()}).
   */
  public static PubsubEmulator start() throws IOException {
    return new PubsubEmulator(GoogleEmulator.pubsub());
  }

  /** The emulator's {@code host:port}, for {@code PUBSUB_EMULATOR_HOST}. */
  public String target() {
    return emulator.hostPort();
  }

  /** The port it listens on. */
  public int port() {
    return emulator.port();
  }

  /** Its address. */
  public InetSocketAddress address() {
    return emulator.address();
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
   * Creates {@code subscription} ({@code projects/P/subscriptions/S}) on {@code topic}, with a 600
   * s acknowledgement deadline so that nothing is redelivered while a test pulls. Create it before
   * publishing: a subscription receives only what is published after it exists.
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
   * Pulls everything {@code subscription} holds, until two pulls {@code settle} apart find nothing
   * more (so requests the emulator is still working through are included), in delivery order,
   * duplicates included. Nothing is acknowledged: the 600 s acknowledgement deadline keeps it from
   * coming back.
   */
  public List<PubsubMessage> pullAll(String subscription, Duration settle) {
    SubscriberGrpc.SubscriberBlockingStub stub = SubscriberGrpc.newBlockingStub(admin);
    List<PubsubMessage> messages = new ArrayList<>();
    int empty = 0;
    while (empty < 2) {
      @SuppressWarnings(
          "deprecation") // the emulator honours it; a waiting pull would cost the deadline
      PullRequest request =
          PullRequest.newBuilder()
              .setSubscription(subscription)
              .setMaxMessages(1000)
              .setReturnImmediately(true)
              .build();
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
   * Stalls the emulator ({@code SIGSTOP} to its JVM): connections stay open, nothing answers until
   * {@link #thaw()}.
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

  /** What the emulator printed, the last 64 KiB at most. */
  public String output() {
    return emulator.output();
  }

  /**
   * Kills the emulator's whole process tree ({@code SIGKILL}, which also ends a frozen one) and
   * waits for it.
   */
  @Override
  public void close() {
    admin.shutdownNow();
    emulator.close();
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
}
