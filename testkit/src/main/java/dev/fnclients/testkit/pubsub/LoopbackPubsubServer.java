package dev.fnclients.testkit.pubsub;

import com.google.pubsub.v1.GetTopicRequest;
import com.google.pubsub.v1.PublishRequest;
import com.google.pubsub.v1.PublishResponse;
import com.google.pubsub.v1.PublisherGrpc;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.Topic;
import dev.fnclients.testkit.grpc.LoopbackGrpcServer;
import io.grpc.InsecureServerCredentials;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback Pub/Sub {@code Publisher} that fails, answers late or never, and records the messages
 * it acknowledged (see the testkit README). Needs {@code grpc-google-cloud-pubsub-v1}.
 */
public final class LoopbackPubsubServer extends LoopbackGrpcServer {

  /** One message the server accepted, as the client sent it, and the id it answered with. */
  public record Received(String topic, PubsubMessage message, String messageId) {}

  // Guarded by itself; ids are assigned under the same lock so that id order is recording order.
  private final List<Received> received = new ArrayList<>();
  private long lastMessageId;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  private volatile Duration delay = Duration.ZERO;
  private volatile boolean hang;

  private LoopbackPubsubServer() throws IOException {
    start(loopback(0, InsecureServerCredentials.create()).addService(new Publisher()));
  }

  public static LoopbackPubsubServer start() throws IOException {
    return new LoopbackPubsubServer();
  }

  /** A snapshot of the messages answered successfully, in the order they were recorded. */
  public List<Received> messages() {
    synchronized (received) {
      return List.copyOf(received);
    }
  }

  /** {@code Publish} calls received, each attempt counted, whether answered, failed or hung. */
  public int publishCalls() {
    return calls(PublisherGrpc.getPublishMethod());
  }

  /** The most {@code Publish} calls in progress at once (delayed and hung ones included). */
  public int maxConcurrentPublishCalls() {
    return maxInFlight.get();
  }

  /**
   * Answers {@code Publish} calls arriving from now on (failures included) after {@code delay};
   * calls already waiting keep theirs.
   */
  public void delayPublishes(Duration delay) {
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay must not be negative: " + delay);
    }
    this.delay = delay;
  }

  /**
   * While true, {@code Publish} calls arriving are never answered (nor use up {@link #failNext}):
   * they end when the client cancels, their deadline passes or the server stops.
   */
  public void hangPublishes(boolean hang) {
    this.hang = hang;
  }

  private final class Publisher extends PublisherGrpc.PublisherImplBase {
    @Override
    public void publish(PublishRequest request, StreamObserver<PublishResponse> observer) {
      maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      var response = (ServerCallStreamObserver<PublishResponse>) observer; // as unary calls get
      AtomicBoolean ended = new AtomicBoolean();
      // Leaves the count once, by the answer or by the cancellation (how held calls leave it).
      Runnable end =
          () -> {
            if (ended.compareAndSet(false, true)) {
              inFlight.decrementAndGet();
            }
          };
      response.setOnCancelHandler(end);
      if (hang) {
        return;
      }
      Runnable answer =
          () -> {
            if (!failedAsAsked(response)) {
              succeed(request, response);
            }
            end.run();
          };
      Duration wait = delay;
      if (wait.isZero()) {
        answer.run();
        return;
      }
      try {
        // Never sleep on a gRPC thread: that would cap concurrency at the executor's size.
        timer.schedule(answer, wait.toNanos(), TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException stopping) {
        fail(response, Status.Code.UNAVAILABLE);
        end.run();
      }
    }

    @Override
    public void getTopic(GetTopicRequest request, StreamObserver<Topic> observer) {
      reply(observer, Topic.newBuilder().setName(request.getTopic()).build());
    }
  }

  private void succeed(PublishRequest request, ServerCallStreamObserver<PublishResponse> response) {
    if (response.isCancelled()) {
      return; // the client will never see ids
    }
    // Recorded before sending, so that a client that sees the answer always finds its messages.
    List<Received> batch = new ArrayList<>();
    synchronized (received) {
      for (PubsubMessage message : request.getMessagesList()) {
        batch.add(new Received(request.getTopic(), message, Long.toString(++lastMessageId)));
      }
      received.addAll(batch);
    }
    PublishResponse.Builder answer = PublishResponse.newBuilder();
    batch.forEach(r -> answer.addMessageIds(r.messageId()));
    if (!reply(response, answer.build())) {
      synchronized (received) {
        received.removeAll(batch); // cancelled meanwhile: nobody was told these ids
      }
    }
  }
}
