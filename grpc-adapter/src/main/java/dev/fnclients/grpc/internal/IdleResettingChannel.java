package dev.fnclients.grpc.internal;

import dev.fnclients.pool.IdlePolicy;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.pool.TransportStats;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ConnectivityState;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ManagedChannel} that, before a call starts, checks by wall clock how long the channel
 * has had no call in flight; past the maximum idle age it drops the channel's connections with
 * {@link ManagedChannel#enterIdle()}, so the call gets a fresh connection instead of the one the
 * platform has killed meanwhile. grpc-java's own idle timer cannot be trusted for this: it runs on
 * a background thread that a throttled instance may not run, and an arriving call cancels it.
 */
public final class IdleResettingChannel extends ManagedChannel {
  private final ManagedChannel delegate;
  private final Channel calls;
  private final IdlePolicy policy;
  private final TransportStats stats;
  private int inFlight;
  private boolean used;
  private long idleSince;

  /**
   * @param delegate the channel whose lifecycle this one forwards to
   * @param calls {@code delegate} with interceptors applied; where calls go
   */
  public IdleResettingChannel(ManagedChannel delegate, Channel calls, IdlePolicy policy, TransportStats stats) {
    this.delegate = delegate;
    this.calls = calls;
    this.policy = policy;
    this.stats = stats;
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> newCall(MethodDescriptor<ReqT, RespT> method, CallOptions options) {
    return new ForwardingClientCall.SimpleForwardingClientCall<>(calls.newCall(method, options)) {
      @Override
      public void start(Listener<RespT> listener, Metadata headers) {
        beforeStart();
        try {
          super.start(
              new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                @Override
                public void onClose(Status status, Metadata trailers) {
                  afterClose();
                  super.onClose(status, trailers);
                }
              },
              headers);
        } catch (RuntimeException | Error e) {
          afterClose();
          throw e;
        }
      }
    };
  }

  private synchronized void beforeStart() {
    if (inFlight == 0 && used && policy.isExpired(idleSince, policy.maxIdleNanos())) {
      stats.increment(MetricNames.IDLE_EVICTIONS);
      delegate.enterIdle();
    }
    used = true;
    inFlight++;
  }

  private synchronized void afterClose() {
    if (inFlight > 0 && --inFlight == 0) {
      idleSince = policy.now();
    }
  }

  @Override
  public String authority() {
    return delegate.authority();
  }

  @Override
  public ManagedChannel shutdown() {
    delegate.shutdown();
    return this;
  }

  @Override
  public boolean isShutdown() {
    return delegate.isShutdown();
  }

  @Override
  public boolean isTerminated() {
    return delegate.isTerminated();
  }

  @Override
  public ManagedChannel shutdownNow() {
    delegate.shutdownNow();
    return this;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    return delegate.awaitTermination(timeout, unit);
  }

  @Override
  public ConnectivityState getState(boolean requestConnection) {
    return delegate.getState(requestConnection);
  }

  @Override
  public void notifyWhenStateChanged(ConnectivityState source, Runnable callback) {
    delegate.notifyWhenStateChanged(source, callback);
  }

  @Override
  public void resetConnectBackoff() {
    delegate.resetConnectBackoff();
  }

  @Override
  public void enterIdle() {
    delegate.enterIdle();
  }

  @Override
  public String toString() {
    return "IdleResettingChannel{" + delegate + "}";
  }
}
