package dev.fnclients.pubsub;

import com.google.protobuf.ByteString;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.TopicName;
import dev.fnclients.grpc.spi.FnGrpc;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.Platform;
import dev.fnclients.pubsub.spi.FnPubsub;
import dev.fnclients.spi.TransportStats;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;

/**
 * One publisher as FnClients builds it (shared channel, shared executor) to a server at {@code
 * target}.
 */
final class PublisherFixture implements AutoCloseable {
  final TransportStats pubsubStats = new TransportStats("pubsub");
  final TransportStats grpcStats = new TransportStats("grpc");
  final ManagedChannel channel;
  final ScheduledExecutorService executor;
  final FnPublisher publisher;

  PublisherFixture(TopicName topic, String target, Duration flushTimeout) {
    this(topic, target, flushTimeout, Duration.ofSeconds(20));
  }

  PublisherFixture(TopicName topic, String target, Duration flushTimeout, Duration publishTimeout) {
    PubsubConfig pubsub =
        PubsubConfig.custom()
            .emulatorHost(target)
            .flushTimeout(flushTimeout)
            .publishTimeout(publishTimeout)
            .build();
    FnClientsConfig config =
        FnClientsConfig.custom()
            .platform(Platform.OTHER)
            .retryInitialBackoff(Duration.ofMillis(5))
            .build();
    channel = FnGrpc.newChannel(pubsub.target(), FnPubsub.grpcConfig(pubsub), config, grpcStats);
    executor = FnPubsub.newExecutor();
    publisher = FnPubsub.newPublisher(topic, channel, executor, pubsub, config, pubsubStats);
  }

  /** Closes as FnClients does: the publisher first, then the executor and channel it used. */
  @Override
  public void close() throws Exception {
    FnPubsub.close(publisher, Duration.ofSeconds(1));
    executor.shutdownNow();
    FnGrpc.close(channel, Duration.ofMillis(500));
  }

  static PubsubMessage message(String text) {
    return PubsubMessage.newBuilder().setData(ByteString.copyFromUtf8(text)).build();
  }
}
