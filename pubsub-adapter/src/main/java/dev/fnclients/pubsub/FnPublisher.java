package dev.fnclients.pubsub;

import com.google.api.core.ApiFuture;
import com.google.cloud.pubsub.v1.Publisher;
import com.google.cloud.pubsub.v1.PublisherInterface;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.TopicName;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * A Pub/Sub publisher for one topic, shared by every invocation of the instance: a drop-in for
 * {@link Publisher} (both implement {@link PublisherInterface}), from {@code
 * FnClients.publisher(topic)}.
 *
 * <p>What it adds for functions:
 *
 * <ul>
 *   <li>{@link #flush()} sends what is batched at once (the client's batching timer may not run on
 *       a throttled instance) and returns when every message published so far is confirmed or
 *       failed; {@link #publishAndWait(PubsubMessage)} does the same for one message. Both return
 *       within their timeout whatever the server does: sending never blocks a thread (past the
 *       channel's in-flight cap a call waits in line without one). Call one of them before your
 *       function returns;
 *   <li>messages are checked against Pub/Sub's limits before anything is sent, with an {@link
 *       IllegalArgumentException} that says which;
 *   <li>on shutdown it flushes for three quarters of the budget and then fails, with {@link
 *       PublishNotConfirmedException}, every future still unconfirmed: none stays pending, and
 *       {@link PublishNotConfirmedException#wasSent()} says whether the server may have the
 *       message;
 *   <li>ordering keys pass through (message ordering is enabled for them, so the client retries
 *       them until confirmed; messages without a key are retried within {@link
 *       PubsubConfig#publishTimeout()}); after a failure on a key, call {@link
 *       #resumePublish(String)} as with {@link Publisher}.
 * </ul>
 *
 * Do not shut it down yourself; FnClients' shutdown hook does.
 */
public interface FnPublisher extends PublisherInterface {
  /**
   * Publishes {@code message}; the future completes with the message id once the server has it.
   *
   * @throws IllegalArgumentException when the message breaks a Pub/Sub limit (nothing is sent)
   * @throws IllegalStateException after shutdown
   */
  @Override
  ApiFuture<String> publish(PubsubMessage message);

  /**
   * Publishes {@code message}, sends it at once and waits up to the flush timeout for its id;
   * returns or throws within that timeout (plus a few milliseconds), whatever the server does.
   *
   * @throws ExecutionException when the publish failed (its cause says why; a {@link
   *     PublishNotConfirmedException} when the publisher shut down first)
   * @throws TimeoutException when no answer came within the flush timeout; the message may still be
   *     confirmed later (its future, from {@link #publish}, would say)
   * @throws IllegalArgumentException when the message breaks a Pub/Sub limit (nothing is sent)
   * @throws IllegalStateException after shutdown
   */
  String publishAndWait(PubsubMessage message)
      throws InterruptedException, ExecutionException, TimeoutException;

  /** {@link #flush(Duration)} with {@link PubsubConfig#flushTimeout()} (10 s by default). */
  void flush() throws InterruptedException, TimeoutException;

  /**
   * Sends every batched message now and waits until each message published so far is confirmed or
   * failed (see each future for which), or {@code timeout} passes; returns or throws within {@code
   * timeout} plus the time to look at the futures, whatever the server does.
   *
   * @throws TimeoutException when some messages are still unconfirmed at the timeout; its message
   *     says how many
   */
  void flush(Duration timeout) throws InterruptedException, TimeoutException;

  /**
   * Lets publishing on {@code orderingKey} go on after a failure, as {@link
   * Publisher#resumePublish}.
   */
  void resumePublish(String orderingKey);

  /** The topic this publisher publishes to. */
  TopicName topic();

  /** Messages handed to {@link #publish} and not yet confirmed or failed. */
  int outstanding();
}
