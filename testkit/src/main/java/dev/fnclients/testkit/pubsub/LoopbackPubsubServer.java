package dev.fnclients.testkit.pubsub;

import com.google.pubsub.v1.GetTopicRequest;
import com.google.pubsub.v1.PublishRequest;
import com.google.pubsub.v1.PublishResponse;
import com.google.pubsub.v1.PublisherGrpc;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.Topic;
import dev.fnclients.testkit.grpc.LoopbackGrpcServer;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real gRPC server (Netty) on loopback implementing the Pub/Sub {@code Publisher} service, for
 * what the real emulator cannot do: fail ({@link #failNext}), answer late ({@link #delayPublishes})
 * or never ({@link #hangPublishes}), and count the calls in progress. It records each message it
 * answered, with an id unique for its lifetime, so tests can prove from the server's side that
 * every acknowledged message arrived. A message is recorded just before the answer is sent, and
 * only if the client is still waiting: the remaining race (the client gives up while the answer is
 * on the wire) errs towards recording, as a lost acknowledged message is what this server exists to
 * expose.
 *
 * <p>Needs {@code grpc-google-cloud-pubsub-v1} on the class path ({@code google-cloud-pubsub}
 * brings only the messages, not the generated service).
 */
public final class LoopbackPubsubServer extends LoopbackGrpcServer {

  /** One message the server accepted, as the client sent it, and the id it answered with. */
  public record Received(String topic, PubsubMessage message, String messageId) {}

  // Guarded by itself; ids are assigned under the same lock so that id order is recording order.
  private final List<Received> received = new ArrayList<>();
  private long lastMessageId;

  private final AtomicInteger publishCalls = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();

  // Guarded by this: the count and the code are taken together by one call.
  private int failuresLeft;
  private Status.Code failureCode;
  private volatile Duration delay = Duration.ZERO;
  private volatile boolean hang;

  private LoopbackPubsubServer() throws IOException {
    super("loopback-pubsub-server-timer");
    start(
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(new Publisher()));
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
    return publishCalls.get();
  }

  /**
   * The most {@code Publish} calls that were in progress at once (delayed and hung ones included).
   */
  public int maxConcurrentPublishCalls() {
    return maxInFlight.get();
  }

  /**
   * Makes the next {@code rpcs} {@code Publish} calls fail with {@code code}, recording none of
   * their messages; replaces any failures still pending. Hung calls do not use them up.
   */
  public synchronized void failNext(int rpcs, Status.Code code) {
    if (rpcs < 0) {
      throw new IllegalArgumentException("rpcs must not be negative: " + rpcs);
    } else if (Objects.requireNonNull(code, "code") == Status.Code.OK) {
      // Closing a unary call with OK and no answer makes the client report INTERNAL, not success.
      throw new IllegalArgumentException("a failure needs a code other than OK");
    }
    failuresLeft = rpcs;
    failureCode = code;
  }

  /**
   * Answers every {@code Publish} call arriving from now on (failures included) after {@code
   * delay}; {@link Duration#ZERO} answers at once again. Calls already waiting keep their delay.
   */
  public void delayPublishes(Duration delay) {
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay must not be negative: " + delay);
    }
    this.delay = delay;
  }

  /**
   * While {@code true}, {@code Publish} calls arriving are held open and never answered; they end
   * only when the client cancels them, their deadline passes or the server stops. Turning it off
   * does not release calls already held.
   */
  public void hangPublishes(boolean hang) {
    this.hang = hang;
  }

  private synchronized Status.Code takeFailure() {
    if (failuresLeft == 0) {
      return null;
    }
    failuresLeft--;
    return failureCode;
  }

  private final class Publisher extends PublisherGrpc.PublisherImplBase {
    @Override
    public void publish(PublishRequest request, StreamObserver<PublishResponse> observer) {
      publishCalls.incrementAndGet();
      maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      // Generated unary handlers always pass a ServerCallStreamObserver.
      var response = (ServerCallStreamObserver<PublishResponse>) observer;
      AtomicBoolean ended = new AtomicBoolean();
      // Ends the call's count exactly once, whichever comes first: the answer or the cancellation.
      Runnable end =
          () -> {
            if (ended.compareAndSet(false, true)) {
              inFlight.decrementAndGet();
            }
          };
      // Must be set before this method returns; it is how held and timed-out calls leave the count.
      response.setOnCancelHandler(end);
      if (hang) {
        return;
      }
      Status.Code failure = takeFailure();
      Runnable answer =
          () -> {
            try {
              if (failure == null) {
                succeed(request, response);
              } else {
                fail(response, failure);
              }
            } finally {
              end.run();
            }
          };
      Duration wait = delay;
      if (wait.isZero()) {
        answer.run();
        return;
      }
      try {
        // Never sleep on a gRPC thread: that would cap concurrency at the executor's size.
        timer.schedule(answer, wait.toNanos(), TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        // Stopping: the call is being cut anyway; end it so it leaves the in-progress count.
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
      // The client already gave up (deadline, cancel, lost connection): it will never see ids.
      return;
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
      // Cancelled between the check and the answer: nobody was told these ids.
      synchronized (received) {
        received.removeAll(batch); // ids are unique, so this removes exactly this batch
      }
    }
  }

  private static void fail(StreamObserver<?> response, Status.Code code) {
    try {
      response.onError(code.toStatus().withDescription("failing as asked").asRuntimeException());
    } catch (RuntimeException e) {
      // The client went away first: nothing to fail.
    }
  }
}
