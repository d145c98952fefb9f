package dev.fnclients.google.internal;

import io.grpc.ForwardingChannelBuilder2;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * The builder a GAX channel configurator returns: everything GAX configured stays on the delegate,
 * and {@link #build()} returns a channel that builds a fresh delegate channel whenever FnClients'
 * idle reset asks for one. A builder may be built more than once; each build of the delegate is an
 * independent channel.
 */
public final class ProtectedChannelBuilder
    extends ForwardingChannelBuilder2<ProtectedChannelBuilder> {
  private final ManagedChannelBuilder<?> delegate;
  private final BiFunction<Supplier<ManagedChannel>, String, ManagedChannel> protect;
  private final String target;

  /**
   * @param protect wraps a channel factory in FnClients' protections; the string names the target
   */
  public ProtectedChannelBuilder(
      ManagedChannelBuilder<?> delegate,
      String target,
      BiFunction<Supplier<ManagedChannel>, String, ManagedChannel> protect) {
    this.delegate = delegate;
    this.target = target;
    this.protect = protect;
  }

  @Override
  protected ManagedChannelBuilder<?> delegate() {
    return delegate;
  }

  @Override
  public ManagedChannel build() {
    return protect.apply(delegate::build, target);
  }
}
