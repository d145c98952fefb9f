package dev.fnclients.google.spi;

import com.google.api.core.ApiFunction;
import com.google.api.gax.core.BackgroundResource;
import com.google.api.gax.core.FixedExecutorProvider;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.rpc.ClientSettings;
import com.google.api.gax.rpc.TransportChannelProvider;
import dev.fnclients.google.GoogleConfig;
import dev.fnclients.google.internal.GapicFactory;
import dev.fnclients.google.internal.ProtectedChannelBuilder;
import dev.fnclients.google.internal.SharedChannelProvider;
import dev.fnclients.google.internal.Target;
import dev.fnclients.grpc.GrpcConfig;
import dev.fnclients.grpc.spi.FnGrpc;
import dev.fnclients.pool.Environment;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.spi.DaemonScheduler;
import dev.fnclients.spi.TransportStats;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Builds FnClients' Google Cloud clients for the {@code FnClients} facade (SPI: not for users; use
 * {@code FnClients.google(...)}).
 *
 * <p>A GAPIC client built here differs from {@code XClient.create()} in three ways, and in nothing
 * else (its retry settings, timeouts and call-level behaviour are the library's own):
 *
 * <ul>
 *   <li>its transport is FnClients' shared gRPC channel for its endpoint ({@code FnClients.grpc},
 *       so with the wall-clock idle reset, the default deadline, the in-flight cap and the
 *       metrics), built without a retry policy of its own, since GAX retries and two layers would
 *       multiply attempts. GAX still resolves the endpoint from the settings and attaches the
 *       credentials to each call; the headers it would give a channel of its own are added to each
 *       call;
 *   <li>its background executor is one small executor all such clients share, so the thread count
 *       is the same after 1,000 invocations as after one;
 *   <li>the service's emulator variable, when set, sends it to the emulator over plaintext with no
 *       credentials (unless {@link GoogleConfig#credentialsProvider()} gives some: an emulator may
 *       want a token, and gRPC refuses to send Google credentials over plaintext).
 * </ul>
 */
public final class FnGoogle {
  /**
   * No message size limit, as every generated client's default channel provider sets; and in a
   * constant, so that every GAPIC client to one endpoint gets the same channel key.
   */
  private static final Consumer<ManagedChannelBuilder<?>> UNLIMITED_INBOUND =
      b -> b.maxInboundMessageSize(Integer.MAX_VALUE);

  private static final GrpcConfig TLS =
      GrpcConfig.custom().noRetryPolicy().customizer(UNLIMITED_INBOUND).build();
  private static final GrpcConfig PLAINTEXT = GrpcConfig.from(TLS).usePlaintext().build();

  /**
   * The protections a GAX-built channel gets through a configurator: GAX retries, so no retry
   * policy.
   */
  private static final GrpcConfig CONFIGURED = GrpcConfig.custom().noRetryPolicy().build();

  private FnGoogle() {}

  /** The executor GAPIC clients share: two to four daemon threads, started at once. */
  public static ScheduledExecutorService newExecutor() {
    return DaemonScheduler.start("fnclients-google", DaemonScheduler.defaultThreads());
  }

  /**
   * A GAPIC client of class {@code type} from {@code settings} (its defaults when {@code null}),
   * over {@code channels} ({@code host:port} and options to a shared channel) and {@code executor};
   * the caller owns it and closes it with {@link #close}.
   *
   * @throws IllegalArgumentException when {@code type} is not a GAPIC client or the settings are
   *     not its own
   * @throws UncheckedIOException when the client cannot be built (e.g. no credentials are found)
   */
  public static <C extends BackgroundResource> C newClient(
      Class<C> type,
      Supplier<? extends ClientSettings.Builder<?, ?>> settings,
      GoogleConfig options,
      BiFunction<String, GrpcConfig, ManagedChannel> channels,
      ScheduledExecutorService executor,
      Environment env) {
    GapicFactory<C> factory = GapicFactory.of(type);
    ClientSettings.Builder<?, ?> builder =
        settings == null
            ? factory.defaultSettings()
            : Objects.requireNonNull(settings.get(), "the settings supplier returned null");
    Target target = Target.resolve(build(builder, type).getEndpoint(), options, env);
    if (target.emulator() || options.endpoint() != null) {
      builder.setEndpoint(target.hostPort());
    }
    if (options.credentialsProvider() != null) {
      builder.setCredentialsProvider(
          options.credentialsProvider()); // gRPC never sends Google credentials in plaintext
    } else if (target.emulator()) {
      builder.setCredentialsProvider(NoCredentialsProvider.create());
    }
    builder.setTransportChannelProvider(
        SharedChannelProvider.fixed(t -> channels.apply(t.hostPort(), grpcConfig(t)), target));
    builder.setBackgroundExecutorProvider(FixedExecutorProvider.create(executor));
    return factory.create(build(builder, type));
  }

  /**
   * A channel provider for options classes that take one (Spanner's {@code setChannelProvider}, a
   * GAPIC settings builder's {@code setTransportChannelProvider}): FnClients' shared channel for
   * the endpoint GAX resolves from the settings, or the one {@code options} or an emulator variable
   * names. Credentials stay with the client: with an emulator, give it no credentials (Spanner and
   * Firestore do so themselves when their emulator variable is set); gRPC refuses to send Google
   * credentials over plaintext.
   */
  public static TransportChannelProvider channelProvider(
      GoogleConfig options,
      BiFunction<String, GrpcConfig, ManagedChannel> channels,
      Environment env) {
    return SharedChannelProvider.resolving(
        t -> channels.apply(t.hostPort(), grpcConfig(t)), options, env);
  }

  /**
   * A channel configurator for GAX's {@code InstantiatingGrpcChannelProvider}, the only provider
   * Firestore and Datastore accept: every channel the provider builds gets FnClients' idle reset (a
   * fresh channel from the same builder when the last call ended longer ago than {@code
   * maxIdleAge}), the default deadline, the in-flight cap and the call metrics. The provider keeps
   * its own pool, endpoint, TLS, headers and credentials. Apply it last: it returns a builder whose
   * {@code build()} is FnClients'.
   */
  @SuppressWarnings("rawtypes") // GAX's configurator type is raw
  public static ApiFunction<ManagedChannelBuilder, ManagedChannelBuilder> channelConfigurator(
      FnClientsConfig config, TransportStats stats) {
    long idleMillis = Math.max(1000, config.maxIdleAge().toMillis());
    Function<ManagedChannelBuilder<?>, ManagedChannelBuilder<?>> configure =
        builder ->
            new ProtectedChannelBuilder(
                builder.idleTimeout(idleMillis, TimeUnit.MILLISECONDS),
                "a GAX channel",
                (factory, target) -> FnGrpc.protect(factory, target, CONFIGURED, config, stats));
    return builder -> configure.apply((ManagedChannelBuilder<?>) builder);
  }

  /** The options of the shared channel for {@code target}. */
  private static GrpcConfig grpcConfig(Target target) {
    return target.emulator() ? PLAINTEXT : TLS;
  }

  /**
   * Shuts {@code client} down and waits up to {@code budget}; then forcibly. Its channel and
   * executor are shared and stay open: FnClients closes them after every client.
   */
  public static void close(BackgroundResource client, Duration budget) throws InterruptedException {
    client.shutdown();
    if (!client.awaitTermination(budget.toMillis(), TimeUnit.MILLISECONDS)) {
      client.shutdownNow();
    }
  }

  private static ClientSettings<?> build(ClientSettings.Builder<?, ?> builder, Class<?> type) {
    try {
      return builder.build();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "could not build the settings of " + type.getSimpleName() + ": " + e.getMessage(), e);
    }
  }
}
