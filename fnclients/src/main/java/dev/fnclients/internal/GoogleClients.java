package dev.fnclients.internal;

import com.google.api.core.ApiFunction;
import com.google.api.gax.core.BackgroundResource;
import com.google.api.gax.rpc.ClientSettings;
import com.google.api.gax.rpc.TransportChannelProvider;
import dev.fnclients.google.GoogleConfig;
import dev.fnclients.google.spi.FnGoogle;
import dev.fnclients.pool.Environment;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.spi.ClientRegistry;
import dev.fnclients.spi.GracefulCloseable;
import dev.fnclients.spi.MetricsHub;
import io.grpc.ManagedChannelBuilder;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * One instance's GAPIC clients, one per client class and options, over channels from {@link
 * GrpcChannels} and one shared executor. Loaded only when a function first asks for a Google
 * client, so that functions without one never load GAX.
 */
public final class GoogleClients implements GracefulCloseable {
  /** A client's identity: its class and the options it was asked with. */
  record Key(Class<?> type, GoogleConfig options) {
    Key {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(options, "options");
    }
  }

  private final FnClientsConfig config;
  private final MetricsHub metrics;
  private final GrpcChannels channels;
  private final ExecutorSharingClients<Key, BackgroundResource> clients;

  public GoogleClients(FnClientsConfig config, MetricsHub metrics, GrpcChannels channels) {
    this.config = config;
    this.metrics = metrics;
    this.channels = channels;
    this.clients =
        new ExecutorSharingClients<>(
            new ClientRegistry<>("google", FnGoogle::close, metrics.transport("google")),
            FnGoogle::newExecutor);
  }

  /**
   * The shared client of class {@code type} with {@code options}, built from {@code settings} on
   * first call.
   */
  public <C extends BackgroundResource> C get(
      Class<C> type,
      Supplier<? extends ClientSettings.Builder<?, ?>> settings,
      GoogleConfig options) {
    return type.cast(
        clients.get(
            new Key(type, options),
            (key, executor) ->
                FnGoogle.newClient(
                    type, settings, options, channels::get, executor, Environment.system())));
  }

  /** A channel provider over this instance's shared channels. */
  public TransportChannelProvider channelProvider(GoogleConfig options) {
    return FnGoogle.channelProvider(options, channels::get, Environment.system());
  }

  /** A channel configurator that protects the channels GAX builds. */
  @SuppressWarnings("rawtypes")
  public ApiFunction<ManagedChannelBuilder, ManagedChannelBuilder> channelConfigurator() {
    return FnGoogle.channelConfigurator(config, metrics.transport("grpc"));
  }

  /** Closes the clients, then the executor they share, within {@code timeout}. */
  @Override
  public void close(Duration timeout) throws InterruptedException {
    clients.close(timeout);
  }
}
