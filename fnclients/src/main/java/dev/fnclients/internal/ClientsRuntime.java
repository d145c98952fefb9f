package dev.fnclients.internal;

import dev.fnclients.grpc.FnGrpc;
import dev.fnclients.grpc.GrpcConfig;
import dev.fnclients.http.FnHttp;
import com.google.pubsub.v1.TopicName;
import dev.fnclients.pubsub.FnPublisher;
import dev.fnclients.pubsub.FnPubsub;
import dev.fnclients.pubsub.PubsubConfig;
import io.grpc.ManagedChannel;
import java.util.concurrent.ScheduledExecutorService;
import dev.fnclients.pool.ClientRegistry;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.FnClientsMetrics;
import dev.fnclients.pool.Lifecycle;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import okhttp3.OkHttpClient;

/**
 * The engine behind {@code FnClients}: one per process in production, one per test in tests.
 *
 * <p>Nothing happens at construction: the configuration is resolved, meters bound, the shutdown
 * hook installed and the first client built on the first call for a client. A failure on the way
 * (an invalid environment variable, say) is thrown to that caller and the next call tries again.
 */
public final class ClientsRuntime {
  private static final String HTTP_KEY = "default";

  private final Supplier<FnClientsConfig> configSource;
  private final boolean installShutdownHook;
  private final FnClientsMetrics metrics = new FnClientsMetrics();
  private final ClientRegistry<String, OkHttpClient> httpClients;
  private final Function<String, OkHttpClient> httpFactory;
  private final ClientRegistry<Key<String>, ManagedChannel> grpcChannels;
  private final Function<Key<String>, ManagedChannel> grpcFactory;
  private final ClientRegistry<Key<TopicName>, FnPublisher> publishers;
  private final Function<Key<TopicName>, FnPublisher> publisherFactory;
  private volatile ScheduledExecutorService pubsubExecutor;
  private volatile Resolved resolved;

  public ClientsRuntime(Supplier<FnClientsConfig> configSource, boolean installShutdownHook) {
    this.configSource = Objects.requireNonNull(configSource, "configSource");
    this.installShutdownHook = installShutdownHook;
    this.httpClients = new ClientRegistry<>("http", FnHttp::close, metrics.transport("http"));
    this.httpFactory = key -> FnHttp.newClient(resolve().config, metrics.transport("http"));
    this.grpcChannels = new ClientRegistry<>("grpc", FnGrpc::close, metrics.transport("grpc"));
    this.grpcFactory = key -> FnGrpc.newChannel(key.subject, (GrpcConfig) key.options, resolve().config, metrics.transport("grpc"));
    this.publishers = new ClientRegistry<>("pubsub", FnPublisher::close, metrics.transport("pubsub"));
    this.publisherFactory = key -> newPublisher(key.subject, (PubsubConfig) key.options);
  }

  private FnPublisher newPublisher(TopicName topic, PubsubConfig options) {
    ManagedChannel channel = grpc(options.target(), FnPubsub.grpcConfig(options));
    return FnPubsub.newPublisher(topic, channel, pubsubExecutor(), options, resolve().config, metrics.transport("pubsub"));
  }

  /** The shared publisher for {@code topic} with {@code options}, built on first call. */
  public FnPublisher publisher(TopicName topic, PubsubConfig options) {
    return publishers.get(new Key<>(topic, options), publisherFactory);
  }

  /** The Pub/Sub registry, for tests that count what was built. */
  public ClientRegistry<Key<TopicName>, FnPublisher> publishers() {
    return publishers;
  }

  private synchronized ScheduledExecutorService pubsubExecutor() {
    if (pubsubExecutor == null) {
      pubsubExecutor = FnPubsub.newExecutor();
    }
    return pubsubExecutor;
  }

  private void closePubsubExecutor(java.time.Duration timeout) throws InterruptedException {
    ScheduledExecutorService executor;
    synchronized (this) {
      executor = pubsubExecutor;
    }
    if (executor != null) {
      executor.shutdown();
      if (!executor.awaitTermination(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
        executor.shutdownNow();
      }
    }
  }

  /** The shared OkHttp client, built on first call. */
  public OkHttpClient http() {
    return httpClients.get(HTTP_KEY, httpFactory);
  }

  /**
   * The shared channel to {@code target} with {@code options}, built on first call. Each distinct
   * target and options pair gets one channel.
   */
  public ManagedChannel grpc(String target, GrpcConfig options) {
    return grpcChannels.get(new Key<>(FnGrpc.normalizeTarget(target), options), grpcFactory);
  }

  /** The counters of every transport, as a Micrometer binder. */
  public FnClientsMetrics metrics() {
    return metrics;
  }

  /** The configuration in force, resolving it if no client has been built yet. */
  public FnClientsConfig config() {
    return resolve().config;
  }

  /** True once the configuration has been resolved, i.e. a client has been asked for. */
  public boolean isStarted() {
    return resolved != null;
  }

  /** The gRPC registry, for tests that count what was built. */
  public ClientRegistry<Key<String>, ManagedChannel> grpcChannels() {
    return grpcChannels;
  }

  /** The HTTP registry, for tests that count what was built. */
  public ClientRegistry<String, OkHttpClient> httpClients() {
    return httpClients;
  }

  /**
   * Flushes and closes every client within {@link FnClientsConfig#shutdownTimeout()}; returns
   * whether everything closed in time. Idempotent; clients asked for afterwards fail.
   */
  public boolean shutdown() {
    Resolved r = resolved;
    if (r == null) {
      publishers.close(java.time.Duration.ZERO);
      grpcChannels.close(java.time.Duration.ZERO);
      httpClients.close(java.time.Duration.ZERO);
      return true;
    }
    return r.lifecycle.shutdown();
  }

  private Resolved resolve() {
    Resolved r = resolved;
    if (r != null) {
      return r;
    }
    synchronized (this) {
      if (resolved == null) {
        FnClientsConfig config = configSource.get();
        Lifecycle lifecycle = new Lifecycle(config.shutdownTimeout());
        // Closed in this order: clients that depend on others come first.
        lifecycle.register(publishers);
        lifecycle.register(this::closePubsubExecutor);
        lifecycle.register(grpcChannels);
        lifecycle.register(httpClients);
        metrics.bindTo(config.meterRegistry());
        if (installShutdownHook) {
          lifecycle.installShutdownHook();
        }
        resolved = new Resolved(config, lifecycle);
      }
      return resolved;
    }
  }

  /** A registry key: what a client is for (a target, a topic) and the options it was asked with. */
  public static final class Key<T> {
    final T subject;
    final Object options;

    Key(T subject, Object options) {
      this.subject = java.util.Objects.requireNonNull(subject, "subject");
      this.options = java.util.Objects.requireNonNull(options, "options");
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key && ((Key<?>) o).subject.equals(subject) && ((Key<?>) o).options.equals(options);
    }

    @Override
    public int hashCode() {
      return subject.hashCode() * 31 + options.hashCode();
    }

    @Override
    public String toString() {
      return subject.toString();
    }
  }

  private static final class Resolved {
    final FnClientsConfig config;
    final Lifecycle lifecycle;

    Resolved(FnClientsConfig config, Lifecycle lifecycle) {
      this.config = config;
      this.lifecycle = lifecycle;
    }
  }
}
