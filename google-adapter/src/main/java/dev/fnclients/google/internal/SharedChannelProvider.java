package dev.fnclients.google.internal;

import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.TransportChannel;
import com.google.api.gax.rpc.TransportChannelProvider;
import com.google.auth.Credentials;
import dev.fnclients.google.GoogleConfig;
import dev.fnclients.pool.Environment;
import io.grpc.ManagedChannel;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;

/**
 * A GAX channel provider that hands out FnClients' shared, idle-safe channel for the endpoint GAX
 * resolves from the client's settings (or for a target fixed in advance). GAX gives it the endpoint
 * and the headers it would give a channel of the client's own; credentials stay with GAX, which
 * attaches them to each call. It owns nothing: {@link #shouldAutoClose()} is false, so closing the
 * client leaves the shared channel to FnClients' shutdown.
 */
public final class SharedChannelProvider implements TransportChannelProvider {
  private final Function<Target, ManagedChannel> channels;
  private final GoogleConfig options;
  private final Environment env;
  private final Target fixed;
  private final String endpoint;
  private final Map<String, String> headers;

  private SharedChannelProvider(
      Function<Target, ManagedChannel> channels,
      GoogleConfig options,
      Environment env,
      Target fixed,
      String endpoint,
      Map<String, String> headers) {
    this.channels = channels;
    this.options = options;
    this.env = env;
    this.fixed = fixed;
    this.endpoint = endpoint;
    this.headers = headers;
  }

  /**
   * A provider whose target follows the endpoint GAX resolves, mapped through {@link
   * Target#resolve}.
   */
  public static SharedChannelProvider resolving(
      Function<Target, ManagedChannel> channels, GoogleConfig options, Environment env) {
    return new SharedChannelProvider(channels, options, env, null, null, null);
  }

  /**
   * A provider for a target decided in advance (GAX is told the same endpoint through the
   * settings).
   */
  public static SharedChannelProvider fixed(
      Function<Target, ManagedChannel> channels, Target target) {
    return new SharedChannelProvider(
        channels, GoogleConfig.ofDefaults(), Environment.system(), target, target.hostPort(), null);
  }

  @Override
  public boolean shouldAutoClose() {
    return false;
  }

  @Override
  @SuppressWarnings("deprecation")
  public boolean needsExecutor() {
    return false;
  }

  @Override
  public TransportChannelProvider withExecutor(Executor executor) {
    return this; // the shared channel runs on its own executor
  }

  @Override
  @SuppressWarnings("deprecation")
  public TransportChannelProvider withExecutor(ScheduledExecutorService executor) {
    return this;
  }

  @Override
  public boolean needsHeaders() {
    return headers == null;
  }

  @Override
  public TransportChannelProvider withHeaders(Map<String, String> headers) {
    return new SharedChannelProvider(channels, options, env, fixed, endpoint, Map.copyOf(headers));
  }

  @Override
  public boolean needsEndpoint() {
    return endpoint == null;
  }

  @Override
  public TransportChannelProvider withEndpoint(String endpoint) {
    return new SharedChannelProvider(channels, options, env, fixed, endpoint, headers);
  }

  @Override
  @SuppressWarnings("deprecation")
  public boolean acceptsPoolSize() {
    return false;
  }

  @Override
  @SuppressWarnings("deprecation")
  public TransportChannelProvider withPoolSize(int size) {
    throw new UnsupportedOperationException(
        "FnClients shares one channel per endpoint; it has no pool size");
  }

  @Override
  public boolean needsCredentials() {
    return false;
  }

  @Override
  public TransportChannelProvider withCredentials(Credentials credentials) {
    throw new UnsupportedOperationException(
        "GAX attaches credentials to each call on FnClients' shared channels");
  }

  @Override
  public TransportChannel getTransportChannel() {
    if (needsEndpoint() || needsHeaders()) {
      throw new IllegalStateException(
          "getTransportChannel() called before GAX gave the endpoint and headers");
    }
    Target target = fixed != null ? fixed : Target.resolve(endpoint, options, env);
    return GrpcTransportChannel.create(new SharedChannelView(channels.apply(target), headers));
  }

  @Override
  public String getTransportName() {
    return GrpcTransportChannel.getGrpcTransportName();
  }

  @Override
  public String getEndpoint() {
    return endpoint;
  }
}
