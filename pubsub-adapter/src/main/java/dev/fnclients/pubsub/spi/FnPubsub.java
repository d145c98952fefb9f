package dev.fnclients.pubsub.spi;

import com.google.api.gax.core.FixedExecutorProvider;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.retrying.RetrySettings;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.cloud.pubsub.v1.Publisher;
import com.google.pubsub.v1.TopicName;
import dev.fnclients.grpc.GrpcConfig;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.pubsub.FnPublisher;
import dev.fnclients.pubsub.PubsubConfig;
import dev.fnclients.pubsub.internal.Messages;
import dev.fnclients.pubsub.internal.SharedPublisher;
import dev.fnclients.spi.DaemonScheduler;
import dev.fnclients.spi.TransportStats;
import io.grpc.ManagedChannel;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Builds FnClients' Pub/Sub publishers for the {@code FnClients} facade (SPI: not for users; use
 * {@code FnClients.publisher(topic)}).
 *
 * <p>Every publisher shares one gRPC channel (from {@code FnClients.grpc}, so with its idle
 * protections, and without a retry policy of its own: the Pub/Sub client retries, and two layers
 * would multiply attempts) and one small executor, so the thread count stays the same however many
 * topics and invocations there are. A {@code Publisher} built per invocation instead opens a
 * channel and {@code 5 × CPUs} threads each time.
 *
 * <p>The in-flight cap ({@code maxInFlightCalls}, 100 calls on the channel) applies to Pub/Sub
 * without blocking a thread: the client starts {@code Publish} calls on the caller's thread (flush)
 * and on the shared executor's few threads (batches, timers, retries), and a thread blocked at the
 * cap for {@code capWait} would stall every publisher and overrun any flush timeout. Past the cap,
 * a call waits in line holding no thread and starts when one in flight ends, or ends {@code
 * DEADLINE_EXCEEDED} at its own deadline (the client's per-attempt timeout), which the client
 * retries within its budget. A server that stops answering thus holds at most 100 calls and no
 * thread, and the messages still in line are known not to have been sent. The channel's own
 * blocking cap is set not to wait ({@code capWait} zero), as a backstop.
 */
public final class FnPubsub {
  private FnPubsub() {}

  /**
   * Parses a topic path {@code projects/P/topics/T}.
   *
   * @throws IllegalArgumentException for an empty or malformed path
   */
  public static TopicName topic(String path) {
    return Messages.topic(path);
  }

  /**
   * The options of the channel publishers share: plaintext only for an emulator, no retry policy,
   * and no wait at the in-flight cap.
   */
  public static GrpcConfig grpcConfig(PubsubConfig pubsub) {
    GrpcConfig.Builder b = GrpcConfig.custom().noRetryPolicy().capWait(Duration.ZERO);
    if (pubsub.usesEmulator()) {
      b.usePlaintext();
    }
    return b.build();
  }

  /**
   * The executor publishers share: two to four daemon threads, started with the first publisher so
   * that the thread count is flat from then on. Closed after every publisher has completed its
   * futures: retries still scheduled then are for messages already reported, so they are dropped
   * rather than waited for.
   */
  public static ScheduledExecutorService newExecutor() {
    return DaemonScheduler.start("fnclients-pubsub", DaemonScheduler.defaultThreads());
  }

  /**
   * Flushes and closes {@code publisher} (one from {@link #newPublisher}) within {@code budget}.
   */
  public static void close(FnPublisher publisher, Duration budget) {
    ((SharedPublisher) publisher).close(budget);
  }

  /**
   * The retry settings: the client's own retries, bounded by {@link PubsubConfig#publishTimeout()}
   * for messages without an ordering key (with message ordering, the client retries until
   * confirmed, whatever the settings say, so that a key's messages keep their order).
   */
  static RetrySettings retrySettings(PubsubConfig pubsub, FnClientsConfig config) {
    return RetrySettings.newBuilder()
        .setInitialRetryDelayDuration(Duration.ofMillis(100))
        .setRetryDelayMultiplier(2.0)
        .setMaxRetryDelayDuration(Duration.ofSeconds(2))
        .setInitialRpcTimeoutDuration(Duration.ofSeconds(5))
        .setRpcTimeoutMultiplier(1.5)
        .setMaxRpcTimeoutDuration(Duration.ofSeconds(10))
        .setTotalTimeoutDuration(pubsub.publishTimeout())
        .build();
  }

  /**
   * A publisher for {@code topic} over {@code channel}, using {@code executor}; the caller owns it.
   */
  public static FnPublisher newPublisher(
      TopicName topic,
      ManagedChannel channel,
      ScheduledExecutorService executor,
      PubsubConfig pubsub,
      FnClientsConfig config,
      TransportStats stats) {
    Timer flushTimer =
        Timer.builder(MetricNames.PUBSUB_FLUSH)
            .description("Time FnPublisher.flush() waited for outstanding messages")
            .tag(MetricNames.TRANSPORT_TAG, stats.transport())
            .register(stats.registry());
    return new SharedPublisher(
        topic,
        channel,
        grpcConfig(pubsub).maxInFlightCalls(),
        executor,
        (tracked, ordering) -> build(topic, tracked, executor, ordering, pubsub, config),
        pubsub.flushTimeout(),
        stats,
        flushTimer);
  }

  private static Publisher build(
      TopicName topic,
      ManagedChannel channel,
      ScheduledExecutorService executor,
      boolean ordering,
      PubsubConfig pubsub,
      FnClientsConfig config) {
    Publisher.Builder builder =
        Publisher.newBuilder(topic)
            .setChannelProvider(
                FixedTransportChannelProvider.create(GrpcTransportChannel.create(channel)))
            .setExecutorProvider(FixedExecutorProvider.create(executor))
            .setEnableMessageOrdering(ordering)
            .setRetrySettings(retrySettings(pubsub, config));
    if (pubsub.usesEmulator()) {
      builder.setCredentialsProvider(NoCredentialsProvider.create());
    } else if (pubsub.credentialsProvider() != null) {
      builder.setCredentialsProvider(pubsub.credentialsProvider());
    }
    try {
      return builder.build();
    } catch (IOException e) {
      throw new UncheckedIOException("could not build the Pub/Sub publisher for " + topic, e);
    }
  }
}
