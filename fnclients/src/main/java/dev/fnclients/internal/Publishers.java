package dev.fnclients.internal;

import com.google.pubsub.v1.TopicName;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pubsub.FnPublisher;
import dev.fnclients.pubsub.PubsubConfig;
import dev.fnclients.pubsub.spi.FnPubsub;
import dev.fnclients.spi.ClientRegistry;
import dev.fnclients.spi.GracefulCloseable;
import dev.fnclients.spi.MetricsHub;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One instance's Pub/Sub publishers, one per topic and options, over channels from
 * {@link GrpcChannels} and one shared executor. Loaded only when a function first asks for a
 * publisher.
 */
public final class Publishers implements GracefulCloseable {
  /** A publisher's identity: its topic and the options it was asked with. */
  record Key(TopicName topic, PubsubConfig options) {
    Key {
      Objects.requireNonNull(topic, "topic");
      Objects.requireNonNull(options, "options");
    }
  }

  private final ClientRegistry<Key, FnPublisher> publishers;
  private final Function<Key, FnPublisher> factory;
  private ScheduledExecutorService executor;

  public Publishers(FnClientsConfig config, MetricsHub metrics, GrpcChannels channels) {
    this.publishers = new ClientRegistry<>("pubsub", FnPubsub::close, metrics.transport("pubsub"));
    this.factory =
        key -> FnPubsub.newPublisher(
            key.topic(),
            channels.get(key.options().target(), FnPubsub.grpcConfig(key.options())),
            executor(),
            key.options(),
            config,
            metrics.transport("pubsub"));
  }

  /** The shared publisher for {@code topic} with {@code options}, built on first call. */
  public FnPublisher get(TopicName topic, PubsubConfig options) {
    return publishers.get(new Key(topic, options), factory);
  }

  private synchronized ScheduledExecutorService executor() {
    if (executor == null) {
      executor = FnPubsub.newExecutor();
    }
    return executor;
  }

  /**
   * Closes the publishers, each of which completes every future it handed out before it returns,
   * and only then the executor their batching, retries and waiting calls' deadlines run on (a
   * callback rejected by a closed executor must never reach a caller's future), within
   * {@code timeout}.
   */
  @Override
  public void close(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    publishers.close(timeout);
    ScheduledExecutorService e;
    synchronized (this) {
      e = executor;
    }
    if (e != null) {
      e.shutdown();
      if (!e.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        e.shutdownNow();
      }
    }
  }
}
