package dev.fnclients.pubsub.internal;

import com.google.api.core.ApiFuture;
import com.google.api.core.ApiFutureCallback;
import com.google.api.core.ApiFutures;
import com.google.cloud.pubsub.v1.Publisher;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.TopicName;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.pubsub.FnPublisher;
import dev.fnclients.pubsub.PublishNotConfirmedException;
import dev.fnclients.pubsub.internal.Outstanding.Tracker;
import dev.fnclients.spi.Deadline;
import dev.fnclients.spi.GracefulCloseable;
import dev.fnclients.spi.TransportStats;
import io.grpc.ManagedChannel;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The {@link FnPublisher} behind {@code FnClients.publisher}: two real {@link Publisher}s on one
 * shared channel, one for messages without an ordering key (its retries bounded by the publish
 * timeout) and one with message ordering for messages with a key (the client retries those until
 * confirmed, to keep their order), plus the futures they handed out, so that flush and shutdown
 * account for every one.
 *
 * <p>Time bounds. Nothing here waits on the server except where a deadline says how long: starting
 * a {@code Publish} never blocks (past the in-flight cap a call waits in line without a thread, see
 * {@link Admission}), so {@link #flush(Duration)} and {@link #publishAndWait} take all their time
 * from one deadline; {@link #close(Duration)} ends within its budget with every future complete.
 */
public final class SharedPublisher implements FnPublisher, GracefulCloseable {
  /** Builds a {@link Publisher} over {@code channel}, with message ordering when asked. */
  @FunctionalInterface
  public interface PublisherFactory {
    Publisher build(ManagedChannel channel, boolean messageOrdering);
  }

  private final Publisher unordered;
  private final Publisher ordered;
  private final Outstanding outstanding = new Outstanding();
  private final TopicName topic;
  private final String topicPath; // TopicName.toString() formats it anew each time
  private final Duration flushTimeout;
  private final TransportStats stats;
  private final Timer flushTimer;
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * A publisher for {@code topic} over {@code shared}, with at most {@code maxInFlightCalls} {@code
   * Publish} calls in flight on that channel for all its publishers together (calls beyond wait in
   * line, holding no thread; {@code timer} ends such a wait at the call's deadline).
   */
  public SharedPublisher(
      TopicName topic,
      ManagedChannel shared,
      int maxInFlightCalls,
      ScheduledExecutorService timer,
      PublisherFactory factory,
      Duration flushTimeout,
      TransportStats stats,
      Timer flushTimer) {
    ManagedChannel channel =
        new TrackingChannel(shared, Admission.of(shared, maxInFlightCalls, timer), outstanding);
    this.unordered = factory.build(channel, false);
    this.ordered = factory.build(channel, true);
    this.topic = topic;
    this.topicPath = topic.toString();
    this.flushTimeout = flushTimeout;
    this.stats = stats;
    this.flushTimer = flushTimer;
  }

  /**
   * Publishes {@code message}; the future completes with the message id once the server has it.
   *
   * @throws IllegalArgumentException when the message breaks a Pub/Sub limit (nothing is sent)
   * @throws IllegalStateException after shutdown
   */
  @Override
  public ApiFuture<String> publish(PubsubMessage message) {
    Messages.validate(message);
    Tracker tracker =
        outstanding.add(message); // before the closed check: close() refuses it or fails it
    if (closed.get()) {
      outstanding.remove(tracker);
      throw new IllegalStateException("the publisher for " + topicPath + " is shut down");
    }
    ApiFuture<String> sent;
    try {
      sent = publisherFor(message).publish(message);
    } catch (RuntimeException e) {
      outstanding.remove(tracker);
      throw e;
    }
    ApiFutures.addCallback(
        sent,
        new ApiFutureCallback<String>() {
          @Override
          public void onSuccess(String messageId) {
            outstanding.completing(tracker);
            if (tracker.future.set(messageId)) {
              stats.increment(MetricNames.MESSAGES_PUBLISHED);
            }
            outstanding.remove(tracker);
          }

          @Override
          public void onFailure(Throwable t) {
            // While shutting down, failures come from the shutdown (an executor's rejection, a
            // cancelled call), not from the server: report what is known, with the cause.
            if (tracker.future.isDone()) {
              outstanding.remove(tracker); // failed by close() already
              return;
            }
            Throwable failure =
                closed.get() ? notConfirmed(tracker, "failed while the publisher shut down", t) : t;
            outstanding.completing(tracker);
            if (tracker.future.setException(failure)) {
              stats.increment(MetricNames.MESSAGES_FAILED);
            }
            outstanding.remove(tracker);
          }
        },
        MoreExecutors.directExecutor());
    return tracker.future;
  }

  @Override
  public String publishAndWait(PubsubMessage message)
      throws InterruptedException, ExecutionException, TimeoutException {
    long deadline = System.nanoTime() + flushTimeout.toNanos();
    ApiFuture<String> id = publish(message);
    publisherFor(message).publishAllOutstanding();
    if (!awaitDone(id, deadline)) {
      throw new TimeoutException(
          new StringBuilder(128)
              .append("message to ")
              .append(topicPath)
              .append(" not confirmed within the ")
              .append(flushTimeout.toMillis())
              .append(" ms flush timeout")
              .toString());
    }
    return id.get();
  }

  @Override
  public void flush() throws InterruptedException, TimeoutException {
    flush(flushTimeout);
  }

  @Override
  public void flush(Duration timeout) throws InterruptedException, TimeoutException {
    long start = System.nanoTime();
    try {
      // Sends whatever is batched; starting a call never waits (see the class comment).
      unordered.publishAllOutstanding();
      ordered.publishAllOutstanding();
      awaitPublishedSoFar(start + timeout.toNanos(), timeout);
    } finally {
      flushTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }
  }

  /**
   * Waits until every message published so far is confirmed or failed, or {@code deadline}: on the
   * first one still pending, then on the next, in publishing order, never copying the list.
   */
  private void awaitPublishedSoFar(long deadline, Duration timeout)
      throws InterruptedException, TimeoutException {
    long upTo = outstanding.lastSequence();
    for (Tracker pending = outstanding.firstPending(0, upTo);
        pending != null;
        pending = outstanding.firstPending(pending.sequence, upTo)) {
      if (!awaitDone(pending.future, deadline)) {
        throw new TimeoutException(
            new StringBuilder(128)
                .append("messages published before the flush still unconfirmed after ")
                .append(timeout.toMillis())
                .append(" ms; ")
                .append(outstanding.size())
                .append(" unconfirmed in all")
                .toString());
      }
    }
  }

  /**
   * Waits until {@code future} is done or {@code deadline} passes; true when done. Unlike {@code
   * get(timeout)} it builds no exception on the way out, and the messages above are built without
   * {@code invokedynamic} concatenation: the first of either on a cold path can cost tens of
   * milliseconds on a crowded CPU, past the caller's timeout.
   */
  private static boolean awaitDone(ApiFuture<?> future, long deadline) throws InterruptedException {
    if (future.isDone()) {
      return true;
    }
    CountDownLatch done = new CountDownLatch(1);
    future.addListener(done::countDown, MoreExecutors.directExecutor());
    return done.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
  }

  @Override
  public void resumePublish(String orderingKey) {
    ordered.resumePublish(orderingKey);
  }

  @Override
  public TopicName topic() {
    return topic;
  }

  @Override
  public int outstanding() {
    return outstanding.size();
  }

  /**
   * Flushes for three quarters of {@code budget}, then stops every further request and fails each
   * unconfirmed future with {@link PublishNotConfirmedException}, saying whether its message was
   * sent, and last shuts the underlying publishers down (their {@code shutdown()} waits for every
   * message they hold, so it runs on its own threads and is waited for only while the flush's share
   * of the budget lasts). Returns within the budget (give or take the callers' own callbacks) with
   * every future complete. Idempotent.
   */
  @Override
  public void close(Duration budget) {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    // The last quarter of the budget is kept back to fail what is unconfirmed then: each failure
    // runs the caller's callbacks, a few microseconds each on an idle CPU and many times that on
    // a throttled or crowded one. The rest of it goes to the channels closed after the publishers.
    long stopWaiting = System.nanoTime() + budget.toNanos() - budget.toNanos() / 4;
    boolean interrupted = false;
    try {
      flush(Duration.ofNanos(Math.max(0, stopWaiting - System.nanoTime())));
    } catch (TimeoutException e) {
      // What is left is failed below.
    } catch (InterruptedException e) {
      interrupted = true;
    }
    outstanding.seal();
    String when = "within the " + budget.toMillis() + " ms shutdown budget";
    String sent = notConfirmedMessage(true, when);
    String unsent = notConfirmedMessage(false, when);
    for (Tracker tracker : outstanding.snapshot()) {
      boolean wasSent = outstanding.wasSent(tracker);
      outstanding.completing(tracker);
      if (tracker.future.setException(
          new PublishNotConfirmedException(wasSent ? sent : unsent, wasSent, null))) {
        stats.increment(MetricNames.MESSAGES_FAILED);
      }
      outstanding.remove(tracker);
    }
    // After the futures: starting threads takes time a crowded CPU may not give.
    Deadline.runAll(
        List.of(() -> shutdownQuietly(unordered), () -> shutdownQuietly(ordered)),
        Duration.ofNanos(Math.max(0, stopWaiting - System.nanoTime())),
        "fnclients-pubsub-shutdown");
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private PublishNotConfirmedException notConfirmed(Tracker tracker, String when, Throwable cause) {
    boolean sent = outstanding.wasSent(tracker);
    return new PublishNotConfirmedException(notConfirmedMessage(sent, when), sent, cause);
  }

  private String notConfirmedMessage(boolean sent, String when) {
    return "message to "
        + topicPath
        + " "
        + (sent
            ? "was sent but not confirmed " + when + "; the server may have it"
            : "was not sent " + when + "; the server does not have it");
  }

  private Publisher publisherFor(PubsubMessage message) {
    return message.getOrderingKey().isEmpty() ? unordered : ordered;
  }

  private static void shutdownQuietly(Publisher publisher) {
    try {
      publisher.shutdown();
    } catch (RuntimeException e) {
      // Already shut down, or failing to: its messages are accounted for by the caller.
    }
  }

  @Override
  public String toString() {
    return "SharedPublisher{" + topicPath + ", outstanding=" + outstanding.size() + "}";
  }
}
