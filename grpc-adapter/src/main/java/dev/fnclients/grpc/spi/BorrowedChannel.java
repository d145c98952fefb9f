package dev.fnclients.grpc.spi;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import java.util.concurrent.TimeUnit;

/**
 * One client's view of a channel FnClients shares (a GAPIC client's, a Pub/Sub publisher's): the
 * client may call {@code shutdown()} on what it was given, as it would on a channel of its own, and
 * nothing happens; FnClients' shutdown hook closes the shared channel after every client using it.
 * Subclasses decide what {@link #newCall} adds on the way to the shared channel.
 */
public abstract class BorrowedChannel extends ManagedChannel {
  /** The shared channel this view forwards to. */
  protected final ManagedChannel shared;

  protected BorrowedChannel(ManagedChannel shared) {
    this.shared = shared;
  }

  @Override
  public String authority() {
    return shared.authority();
  }

  /** Does nothing: the channel is shared; FnClients closes it. */
  @Override
  public final ManagedChannel shutdown() {
    return this;
  }

  /** Does nothing: the channel is shared; FnClients closes it. */
  @Override
  public final ManagedChannel shutdownNow() {
    return this;
  }

  @Override
  public boolean isShutdown() {
    return shared.isShutdown();
  }

  @Override
  public boolean isTerminated() {
    return shared.isTerminated();
  }

  /** Does not wait: the shared channel outlives the client; says whether it has terminated. */
  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return shared.isTerminated();
  }

  @Override
  public ConnectivityState getState(boolean requestConnection) {
    return shared.getState(requestConnection);
  }

  @Override
  public void notifyWhenStateChanged(ConnectivityState source, Runnable callback) {
    shared.notifyWhenStateChanged(source, callback);
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "{" + shared + "}";
  }
}
