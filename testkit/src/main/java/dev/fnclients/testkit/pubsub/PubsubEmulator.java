package dev.fnclients.testkit.pubsub;

import com.google.common.util.concurrent.Uninterruptibles;
import com.google.pubsub.v1.PublisherGrpc;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.PullRequest;
import com.google.pubsub.v1.ReceivedMessage;
import com.google.pubsub.v1.SubscriberGrpc;
import com.google.pubsub.v1.Subscription;
import com.google.pubsub.v1.Topic;
import dev.fnclients.testkit.ChildJvm;
import dev.fnclients.testkit.emulators.GoogleEmulator;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.AbstractStub;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The Pub/Sub emulator with what tests do to it; also a JUnit extension for one test class (see the
 * testkit README). Needs {@code grpc-google-cloud-pubsub-v1}.
 */
public final class PubsubEmulator implements AutoCloseable, BeforeAllCallback, AfterAllCallback {
  private volatile GoogleEmulator emulator;
  private volatile ProcessHandle jvm;
  private volatile ManagedChannel admin;

  /** Starts the emulator on a free loopback port, returning once it serves. */
  public static PubsubEmulator start() throws IOException {
    PubsubEmulator started = new PubsubEmulator();
    started.beforeAll(null);
    return started;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    emulator = GoogleEmulator.pubsub();
    jvm = emulator.jvm();
    admin = Grpc.newChannelBuilder(target(), InsecureChannelCredentials.create()).build();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  /** The emulator's {@code host:port}, for {@code PUBSUB_EMULATOR_HOST}. */
  public String target() {
    return emulator.hostPort();
  }

  public InetSocketAddress address() {
    return emulator.address();
  }

  /** The pid of the emulator's JVM, the process {@link #freeze()} stops. */
  public long jvmPid() {
    return jvm.pid();
  }

  /** Creates {@code topic} ({@code projects/P/topics/T}). */
  public void createTopic(String topic) {
    withDeadline(PublisherGrpc.newBlockingStub(admin))
        .createTopic(Topic.newBuilder().setName(topic).build());
  }

  /**
   * Creates an ordered {@code subscription} ({@code projects/P/subscriptions/S}) on {@code topic};
   * it gets only what is published after. Its 600 s ack deadline keeps pulled messages from coming
   * back.
   */
  public void createSubscription(String subscription, String topic) {
    withDeadline(SubscriberGrpc.newBlockingStub(admin))
        .createSubscription(
            Subscription.newBuilder()
                .setName(subscription)
                .setTopic(topic)
                .setAckDeadlineSeconds(600)
                .setEnableMessageOrdering(true)
                .build());
  }

  /**
   * Pulls, without acknowledging, all {@code subscription} holds (in delivery order, duplicates
   * included) until two pulls {@code settle} apart find nothing more.
   */
  public List<PubsubMessage> pullAll(String subscription, Duration settle) {
    @SuppressWarnings(
        "deprecation") // the emulator honours it; a waiting pull would cost the deadline
    PullRequest request =
        PullRequest.newBuilder()
            .setSubscription(subscription)
            .setMaxMessages(1000)
            .setReturnImmediately(true)
            .build();
    List<PubsubMessage> messages = new ArrayList<>();
    for (int empty = 0; empty < 2; ) {
      List<ReceivedMessage> received =
          withDeadline(SubscriberGrpc.newBlockingStub(admin))
              .pull(request)
              .getReceivedMessagesList();
      received.forEach(r -> messages.add(r.getMessage()));
      empty = received.isEmpty() ? empty + 1 : 0;
      Uninterruptibles.sleepUninterruptibly(settle);
    }
    return messages;
  }

  /** Stalls the emulator ({@code SIGSTOP} to its JVM): connections stay open, nothing answers. */
  public void freeze() {
    ChildJvm.freeze(jvm);
  }

  /** Resumes a {@link #freeze() frozen} emulator ({@code SIGCONT}); harmless if it is running. */
  public void thaw() {
    ChildJvm.thaw(jvm);
  }

  /** Whether the emulator's JVM is still running (a frozen one is). */
  public boolean isAlive() {
    return jvm.isAlive();
  }

  /** Kills the emulator's process tree, a frozen one too, and waits for it. */
  @Override
  public void close() {
    if (emulator != null) { // null when it failed to start
      admin.shutdownNow();
      emulator.close();
    }
  }

  private static <S extends AbstractStub<S>> S withDeadline(S stub) {
    return stub.withDeadlineAfter(30, TimeUnit.SECONDS);
  }
}
