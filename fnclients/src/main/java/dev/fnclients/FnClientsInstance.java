package dev.fnclients;

import com.google.api.core.ApiFunction;
import com.google.api.gax.core.BackgroundResource;
import com.google.api.gax.rpc.ClientSettings;
import com.google.api.gax.rpc.TransportChannelProvider;
import com.google.pubsub.v1.TopicName;
import dev.fnclients.google.GoogleConfig;
import dev.fnclients.grpc.GrpcConfig;
import dev.fnclients.http.spi.FnHttp;
import dev.fnclients.internal.GoogleClients;
import dev.fnclients.internal.GrpcChannels;
import dev.fnclients.internal.Publishers;
import dev.fnclients.internal.SharedSlots;
import dev.fnclients.internal.Transports;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.FnClientsMetrics;
import dev.fnclients.pubsub.FnPublisher;
import dev.fnclients.pubsub.PubsubConfig;
import dev.fnclients.spi.ClientRegistry;
import dev.fnclients.spi.GracefulCloseable;
import dev.fnclients.spi.Lifecycle;
import dev.fnclients.spi.MetricsHub;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import okhttp3.OkHttpClient;

/**
 * One set of instance-global clients: what {@link FnClients} holds for the process, as an object.
 * Functions use {@link FnClients}; create your own set only where one process must hold several
 * isolated ones (tests, benchmarks, a host running several functions), and shut it down yourself: a
 * set made with {@link #create(FnClientsConfig)} installs no shutdown hook.
 *
 * <p>Nothing happens at construction: the configuration is resolved, meters bound and the first
 * client built on the first call for a client. A failure on the way (an invalid environment
 * variable, say) is thrown to that caller and the next call tries again. The gRPC, Pub/Sub and
 * Google parts are loaded only when first asked for, so an HTTP-only function needs none of them.
 */
public final class FnClientsInstance {
  private final Supplier<FnClientsConfig> configSource;
  private final boolean installShutdownHook;
  private final MetricsHub metrics = new MetricsHub();
  private final ClientRegistry<String, OkHttpClient> httpClients;
  private final HttpFactory httpFactory = new HttpFactory(this);
  private volatile Resolved resolved;
  // Built on first use, under this object's lock; typed as our own classes so that neither gRPC
  // nor Pub/Sub is loaded before a function asks for it.
  private volatile GrpcChannels grpcChannels;
  private volatile Publishers publishers;
  private volatile GoogleClients googleClients;
  private volatile SharedSlots sharedSlots;
  private volatile boolean shutDownUnstarted;

  FnClientsInstance(Supplier<FnClientsConfig> configSource, boolean installShutdownHook) {
    this.configSource = configSource; // null: FnClients' own, see FnClients.configuredOrDefaults
    this.installShutdownHook = installShutdownHook;
    this.httpClients = new ClientRegistry<>("http", httpFactory, metrics.transport("http"));
  }

  /**
   * A new, isolated set of clients with {@code config}; no shutdown hook is installed, so call
   * {@link #shutdown()} when done.
   */
  public static FnClientsInstance create(FnClientsConfig config) {
    Objects.requireNonNull(config, "config");
    return new FnClientsInstance(() -> config, false);
  }

  /** As {@link FnClients#http()}. */
  public OkHttpClient http() {
    return httpClients.get("default", httpFactory);
  }

  /** As {@link FnClients#grpc(String, GrpcConfig)}. */
  public ManagedChannel grpc(String target, GrpcConfig options) {
    return grpcChannels().get(target, options);
  }

  /** As {@link FnClients#publisher(TopicName, PubsubConfig)}. */
  public FnPublisher publisher(TopicName topic, PubsubConfig options) {
    return publishers().get(topic, options);
  }

  /** As {@link FnClients#google(Class, Supplier, GoogleConfig)}. */
  public <C extends BackgroundResource> C google(
      Class<C> client,
      Supplier<? extends ClientSettings.Builder<?, ?>> settings,
      GoogleConfig options) {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(options, "options");
    return googleClients().get(client, settings, options);
  }

  /** As {@link FnClients#googleChannelProvider(GoogleConfig)}. */
  public TransportChannelProvider googleChannelProvider(GoogleConfig options) {
    return googleClients().channelProvider(Objects.requireNonNull(options, "options"));
  }

  /** As {@link FnClients#googleChannelConfigurator()}. */
  @SuppressWarnings("rawtypes")
  public ApiFunction<ManagedChannelBuilder, ManagedChannelBuilder> googleChannelConfigurator() {
    return googleClients().channelConfigurator();
  }

  /** As {@link FnClients#shared(String, Class, Supplier)}. */
  public <T> T shared(String name, Class<T> type, Supplier<? extends T> factory) {
    return sharedSlots().get(name, type, factory);
  }

  /** The counters of every transport of this set. */
  public FnClientsMetrics metrics() {
    return metrics;
  }

  /** The configuration in force, resolving it if no client has been built yet. */
  public FnClientsConfig config() {
    return resolve().config();
  }

  /** True once the configuration has been resolved, i.e. a client has been asked for. */
  boolean isStarted() {
    return resolved != null;
  }

  /**
   * Flushes and closes every client within {@link FnClientsConfig#shutdownTimeout()}; returns
   * whether everything closed in time. Idempotent; clients asked for afterwards fail.
   */
  public boolean shutdown() {
    Resolved r = resolved;
    if (r == null) {
      synchronized (this) {
        shutDownUnstarted = true;
      }
      httpClients.close(Duration.ZERO);
      return true;
    }
    return r.lifecycle().shutdown();
  }

  private SharedSlots sharedSlots() {
    SharedSlots s = sharedSlots;
    if (s != null) {
      return s;
    }
    resolve();
    synchronized (this) {
      checkOpen();
      if (sharedSlots == null) {
        sharedSlots = new SharedSlots(metrics);
      }
      return sharedSlots;
    }
  }

  private GrpcChannels grpcChannels() {
    GrpcChannels c = grpcChannels;
    if (c != null) {
      return c;
    }
    Transports.GRPC.require("FnClients.grpc");
    FnClientsConfig config = resolve().config();
    synchronized (this) {
      checkOpen();
      if (grpcChannels == null) {
        grpcChannels = new GrpcChannels(config, metrics);
      }
      return grpcChannels;
    }
  }

  private Publishers publishers() {
    Publishers p = publishers;
    if (p != null) {
      return p;
    }
    Transports.PUBSUB.require("FnClients.publisher");
    GrpcChannels channels = grpcChannels();
    FnClientsConfig config = resolve().config();
    synchronized (this) {
      checkOpen();
      if (publishers == null) {
        publishers = new Publishers(config, metrics, channels);
      }
      return publishers;
    }
  }

  private GoogleClients googleClients() {
    GoogleClients g = googleClients;
    if (g != null) {
      return g;
    }
    Transports.GOOGLE.require("FnClients.google");
    GrpcChannels channels = grpcChannels();
    FnClientsConfig config = resolve().config();
    synchronized (this) {
      checkOpen();
      if (googleClients == null) {
        googleClients = new GoogleClients(config, metrics, channels);
      }
      return googleClients;
    }
  }

  private void checkOpen() {
    Resolved r = resolved;
    if (shutDownUnstarted || (r != null && r.lifecycle().isShutDown())) {
      throw new IllegalStateException("FnClients is shut down; no new clients are built");
    }
  }

  private Resolved resolve() {
    Resolved r = resolved;
    if (r != null) {
      return r;
    }
    synchronized (this) {
      if (resolved == null) {
        FnClientsConfig config =
            configSource != null ? configSource.get() : FnClients.configuredOrDefaults();
        Lifecycle lifecycle = new Lifecycle(config.shutdownTimeout());
        // Closed in this order: clients that depend on others first (publishers and Google
        // clients use channels; a shared slot may use any of them).
        // The optional parts may not exist yet; each closes whatever is there by then.
        lifecycle.register(new OptionalPart(this, OptionalPart.SHARED_SLOTS));
        lifecycle.register(new OptionalPart(this, OptionalPart.PUBLISHERS));
        lifecycle.register(new OptionalPart(this, OptionalPart.GOOGLE_CLIENTS));
        lifecycle.register(new OptionalPart(this, OptionalPart.GRPC_CHANNELS));
        lifecycle.register(httpClients);
        if (config.meterRegistry().isPresent()) {
          metrics.bindTo(config.meterRegistry().get());
        }
        if (installShutdownHook) {
          lifecycle.installShutdownHook();
        }
        resolved = new Resolved(config, lifecycle);
      }
      return resolved;
    }
  }

  /**
   * A part built on demand (shared slots, publishers, Google clients or gRPC channels), registered
   * with the lifecycle before it exists and closed if it was built by then. One class for the four
   * rather than lambdas: an HTTP-only function's first call spins none.
   */
  private static final class OptionalPart implements GracefulCloseable {
    static final int SHARED_SLOTS = 0;
    static final int PUBLISHERS = 1;
    static final int GOOGLE_CLIENTS = 2;
    static final int GRPC_CHANNELS = 3;
    private final FnClientsInstance instance;
    private final int which;

    OptionalPart(FnClientsInstance instance, int which) {
      this.instance = instance;
      this.which = which;
    }

    @Override
    public void close(Duration budget) throws Exception {
      GracefulCloseable part =
          switch (which) {
            case SHARED_SLOTS -> instance.sharedSlots;
            case PUBLISHERS -> instance.publishers;
            case GOOGLE_CLIENTS -> instance.googleClients;
            default -> instance.grpcChannels;
          };
      if (part != null) {
        part.close(budget);
      }
    }
  }

  /** Builds and closes the instance's OkHttp client. */
  private static final class HttpFactory
      implements Function<String, OkHttpClient>, ClientRegistry.Closer<OkHttpClient> {
    private final FnClientsInstance instance;

    HttpFactory(FnClientsInstance instance) {
      this.instance = instance;
    }

    @Override
    public OkHttpClient apply(String key) {
      return FnHttp.newClient(instance.resolve().config(), instance.metrics.transport("http"));
    }

    @Override
    public void close(OkHttpClient client, Duration timeout) throws InterruptedException {
      FnHttp.close(client, timeout);
    }
  }

  private record Resolved(FnClientsConfig config, Lifecycle lifecycle) {}
}
