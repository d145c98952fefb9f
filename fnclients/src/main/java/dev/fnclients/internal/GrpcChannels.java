package dev.fnclients.internal;

import dev.fnclients.grpc.GrpcConfig;
import dev.fnclients.grpc.spi.FnGrpc;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.spi.ClientRegistry;
import dev.fnclients.spi.GracefulCloseable;
import dev.fnclients.spi.MetricsHub;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;

/**
 * One instance's gRPC channels, one per normalized target and options. Its own class, loaded only
 * when a function first asks for a channel, so that an HTTP-only function never loads gRPC.
 */
public final class GrpcChannels implements GracefulCloseable {
  /** A channel's identity: the normalized target and the options it was asked with. */
  record Key(String target, GrpcConfig options) {
    Key {
      Objects.requireNonNull(target, "target");
      Objects.requireNonNull(options, "options");
    }
  }

  /**
   * The channel handed out last and what it was asked with: a function asks for the same one on
   * every invocation.
   */
  private record Last(String target, GrpcConfig options, ManagedChannel channel) {}

  private final ClientRegistry<Key, ManagedChannel> channels;
  private final Function<Key, ManagedChannel> factory;
  private volatile Last last;

  public GrpcChannels(FnClientsConfig config, MetricsHub metrics) {
    // Resolves the FNCLIENTS_GRPC_* settings now: an invalid one fails this call (and the next
    // tries again) before any adapter builds its own GrpcConfig from the environment.
    GrpcConfig.ofDefaults();
    this.channels = new ClientRegistry<>("grpc", FnGrpc::close, metrics.transport("grpc"));
    this.factory =
        key -> FnGrpc.newChannel(key.target(), key.options(), config, metrics.transport("grpc"));
  }

  /** The shared channel to {@code target} with {@code options}, built on first call. */
  public ManagedChannel get(String target, GrpcConfig options) {
    // The same target and options as last time: no normalized string, key or hash to build. A
    // registry's channel is never replaced while it is open (the idle reset happens inside it).
    Last l = last;
    if (l != null
        && l.target.equals(target)
        && (l.options == options || l.options.equals(options))
        && !channels.isClosed()) {
      return l.channel;
    }
    ManagedChannel channel =
        channels.get(new Key(FnGrpc.normalizeTarget(target), options), factory);
    last = new Last(target, options, channel);
    return channel;
  }

  @Override
  public void close(Duration timeout) {
    channels.close(timeout);
  }
}
