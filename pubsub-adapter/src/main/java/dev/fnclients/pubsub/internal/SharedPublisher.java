package dev.fnclients.pubsub.internal;

import dev.fnclients.pubsub.FnPublisher;
import dev.fnclients.pubsub.PublishNotConfirmedException;

import com.google.api.core.ApiFuture;
import com.google.api.core.ApiFutureCallback;
import com.google.api.core.ApiFutures;
import com.google.api.core.SettableApiFuture;
import com.google.cloud.pubsub.v1.Publisher;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.TopicName;
import dev.fnclients.spi.GracefulCloseable;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.spi.TransportStats;
import dev.fnclients.spi.Deadline;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The {@link FnPublisher} behind {@code FnClients.publisher}: a real {@link Publisher} plus the
 * futures it handed out, so that flush and shutdown can account for every one.
 */
public final class SharedPublisher implements FnPublisher, GracefulCloseable {
  private final Publisher delegate;
  private final TopicName topic;
  private final Duration flushTimeout;
  private final TransportStats stats;
  private final Timer flushTimer;
  private final Set<SettableApiFuture<String>> outstanding = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean closed = new AtomicBoolean();

  public SharedPublisher(Publisher delegate, TopicName topic, Duration flushTimeout, TransportStats stats, Timer flushTimer) {
    this.delegate = delegate;
    this.topic = topic;
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
    SettableApiFuture<String> result = SettableApiFuture.create();
    outstanding.add(result); // before the closed check, so close() either refuses it or sweeps it
    if (closed.get()) {
      outstanding.remove(result);
      throw new IllegalStateException("the publisher for " + topic + " is shut down");
    }
    ApiFuture<String> sent;
    try {
      sent = delegate.publish(message);
    } catch (RuntimeException e) {
      outstanding.remove(result);
      throw e;
    }
    ApiFutures.addCallback(
        sent,
        new ApiFutureCallback<String>() {
          @Override
          public void onSuccess(String messageId) {
            if (result.set(messageId)) {
              stats.increment(MetricNames.MESSAGES_PUBLISHED);
            }
            outstanding.remove(result);
          }

          @Override
          public void onFailure(Throwable t) {
            if (result.setException(t)) {
              stats.increment(MetricNames.MESSAGES_FAILED);
            }
            outstanding.remove(result);
          }
        },
        MoreExecutors.directExecutor());
    return result;
  }

  @Override
  public String publishAndWait(PubsubMessage message) throws InterruptedException, ExecutionException, TimeoutException {
    ApiFuture<String> id = publish(message);
    delegate.publishAllOutstanding();
    return id.get(flushTimeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public void flush() throws InterruptedException, TimeoutException {
    flush(flushTimeout);
  }

  @Override
  public void flush(Duration timeout) throws InterruptedException, TimeoutException {
    long start = System.nanoTime();
    try {
      delegate.publishAllOutstanding();
      List<SettableApiFuture<String>> pending = List.copyOf(outstanding);
      if (!pending.isEmpty()) {
        ApiFutures.successfulAsList(pending).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      }
    } catch (ExecutionException e) {
      throw new IllegalStateException("successfulAsList does not fail", e);
    } finally {
      flushTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void resumePublish(String orderingKey) {
    delegate.resumePublish(orderingKey);
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
   * Flushes within {@code budget}, shuts the underlying publisher down (its {@code shutdown()}
   * waits for every outstanding message, so it runs on its own thread and is waited for only as
   * long as the budget lasts), then fails every future still unconfirmed; returns within the
   * budget. Idempotent.
   */
  @Override
  public void close(Duration budget) {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    // Whoever waits for this close stops waiting at the budget's end: finish before it, keeping
    // a slice for failing what is left, so that no future is left pending when the JVM halts.
    long reserve = Math.min(budget.toNanos() / 10, TimeUnit.MILLISECONDS.toNanos(200));
    long deadline = System.nanoTime() + budget.toNanos() - reserve;
    try {
      flush(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    } catch (TimeoutException e) {
      // Whatever is left is failed below.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    Deadline.runAll(
        List.of(() -> {
          try {
            delegate.shutdown();
            delegate.awaitTermination(left.toMillis(), TimeUnit.MILLISECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }),
        left,
        "fnclients-pubsub-shutdown");
    for (SettableApiFuture<String> future : List.copyOf(outstanding)) {
      boolean failedHere =
          future.setException(
              new PublishNotConfirmedException(
                  "message to " + topic + " was not confirmed within the " + budget.toMillis()
                      + " ms shutdown budget; the server may or may not have it"));
      if (failedHere) {
        stats.increment(MetricNames.MESSAGES_FAILED);
      }
      outstanding.remove(future);
    }
  }

  @Override
  public String toString() {
    return "SharedPublisher{" + topic + ", outstanding=" + outstanding.size() + "}";
  }
}
