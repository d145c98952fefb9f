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
import java.util.function.BiFunction;

/**
 * One instance's Pub/Sub publishers, one per topic and options, over channels from {@link
 * GrpcChannels} and one shared executor. Loaded only when a function first asks for a publisher.
 */
public final class Publishers implements GracefulCloseable {
  /** A publisher's identity: its topic and the options it was asked with. */
  record Key(TopicName topic, PubsubConfig options) {
    Key {
      Objects.requireNonNull(topic, "topic");
      Objects.requireNonNull(options, "options");
    }
  }

  private final ExecutorSharingClients<Key, FnPublisher> publishers;
  private final BiFunction<Key, ScheduledExecutorService, FnPublisher> factory;

  public Publishers(FnClientsConfig config, MetricsHub metrics, GrpcChannels channels) {
    this.publishers =
        new ExecutorSharingClients<>(
            new ClientRegistry<>("pubsub", FnPubsub::close, metrics.transport("pubsub")),
            FnPubsub::newExecutor);
    this.factory =
        (key, executor) ->
            FnPubsub.newPublisher(
                key.topic(),
                channels.get(key.options().target(), FnPubsub.grpcConfig(key.options())),
                executor,
                key.options(),
                config,
                metrics.transport("pubsub"));
  }

  /** The shared publisher for {@code topic} with {@code options}, built on first call. */
  public FnPublisher get(TopicName topic, PubsubConfig options) {
    return publishers.get(new Key(topic, options), factory);
  }

  /**
   * Closes the publishers, each of which completes every future it handed out before it returns,
   * and only then the executor their batching, retries and waiting calls' deadlines run on (a
   * callback rejected by a closed executor must never reach a caller's future), within {@code
   * timeout}.
   */
  @Override
  public void close(Duration timeout) throws InterruptedException {
    publishers.close(timeout);
  }
}
