package dev.fnclients.testkit.pubsub;

import com.google.pubsub.v1.PublisherGrpc;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.PullRequest;
import com.google.pubsub.v1.PullResponse;
import com.google.pubsub.v1.ReceivedMessage;
import com.google.pubsub.v1.SubscriberGrpc;
import com.google.pubsub.v1.Subscription;
import com.google.pubsub.v1.Topic;
import dev.fnclients.testkit.Processes;
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

/**
 * The Google Cloud CLI's Pub/Sub emulator ({@link GoogleEmulator#pubsub()}) with what tests do to
 * it: create topics and subscriptions, pull what it holds, and stall it ({@link #freeze()}). Its
 * admin calls need {@code grpc-google-cloud-pubsub-v1} on the class path.
 */
public final class PubsubEmulator implements AutoCloseable {
  private final GoogleEmulator emulator;
  private final ProcessHandle jvm;
  private final ManagedChannel admin;

  private PubsubEmulator(GoogleEmulator emulator) {
    this.emulator = emulator;
    this.jvm = emulator.jvm();
    this.admin = Grpc.newChannelBuilder(target(), InsecureChannelCredentials.create()).build();
  }

  /** Starts the emulator on a free loopback port, returning once it serves. */
  public static PubsubEmulator start() throws IOException {
    return new PubsubEmulator(GoogleEmulator.pubsub());
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
      PullResponse response = withDeadline(SubscriberGrpc.newBlockingStub(admin)).pull(request);
      response.getReceivedMessagesList().stream()
          .map(ReceivedMessage::getMessage)
          .forEach(messages::add);
      if (response.getReceivedMessagesCount() > 0) {
        empty = 0;
        continue;
      }
      empty++;
      try {
        Thread.sleep(settle.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while pulling " + subscription, e);
      }
    }
    return messages;
  }

  /** Stalls the emulator ({@code SIGSTOP} to its JVM): connections stay open, nothing answers. */
  public void freeze() {
    Processes.stop(jvm);
  }

  /** Resumes a {@link #freeze() frozen} emulator ({@code SIGCONT}); harmless if it is running. */
  public void thaw() {
    Processes.resume(jvm);
  }

  /** Whether the emulator's JVM is still running (a frozen one is). */
  public boolean isAlive() {
    return jvm.isAlive();
  }

  /** Kills the emulator's process tree, a frozen one too, and waits for it. */
  @Override
  public void close() {
    admin.shutdownNow();
    emulator.close();
  }

  private static <S extends AbstractStub<S>> S withDeadline(S stub) {
    return stub.withDeadlineAfter(30, TimeUnit.SECONDS);
  }
}
