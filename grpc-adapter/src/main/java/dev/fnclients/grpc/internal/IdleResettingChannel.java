package dev.fnclients.grpc.internal;

import dev.fnclients.spi.IdlePolicy;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.spi.TransportStats;
import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ConnectivityState;
import io.grpc.ForwardingClientCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A {@link ManagedChannel} that, when a call starts, checks by wall clock how long the channel has
 * had no call in flight; past the maximum idle age it replaces the underlying channel with a new
 * one, so the call gets a fresh connection instead of the one the platform killed meanwhile, and
 * shuts the old one down gracefully. grpc-java's own idle timer cannot be trusted for this: it runs
 * on a background thread that a throttled instance may not run, and an arriving call cancels it.
 * {@code enterIdle()} is no substitute either: it queues behind whatever else the channel is doing
 * (right after a thaw, its overdue timers), and a call started meanwhile still picks the old
 * transport. The replacement here is synchronous with the call's start. A channel whose last
 * call ended {@code DEADLINE_EXCEEDED} or {@code UNAVAILABLE} is replaced too, so one silently
 * dropped connection costs one call, not every call until the next idle gap.
 */
public final class IdleResettingChannel extends ManagedChannel {
  private final Supplier<ManagedChannel> factory;
  private final Function<ManagedChannel, Channel> intercept;
  private final IdlePolicy policy;
  private final TransportStats stats;
  private ManagedChannel delegate;
  private Channel calls;
  private int inFlight;
  private boolean used;
  private boolean shutdown;
  private boolean suspect;
  private long idleSince;

  /**
   * @param factory builds an underlying channel: the first one now, each replacement later
   * @param intercept applies the call interceptors to an underlying channel
   */
  public IdleResettingChannel(
      Supplier<ManagedChannel> factory, Function<ManagedChannel, Channel> intercept, IdlePolicy policy, TransportStats stats) {
    this.factory = factory;
    this.intercept = intercept;
    this.policy = policy;
    this.stats = stats;
    this.delegate = factory.get();
    this.calls = intercept.apply(delegate);
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> newCall(MethodDescriptor<ReqT, RespT> method, CallOptions options) {
    return new ResettingCall<>(method, options);
  }

  /** Checks staleness, replacing the underlying channel if needed, and counts the call in flight. */
  private synchronized Channel beforeStart() {
    if (!shutdown && inFlight == 0 && used && (suspect || policy.isExpired(idleSince, policy.maxIdleNanos()))) {
      if (!suspect) {
        stats.increment(MetricNames.IDLE_EVICTIONS);
      }
      suspect = false;
      ManagedChannel stale = delegate;
      delegate = factory.get();
      calls = intercept.apply(delegate);
      stale.shutdown(); // nothing is in flight on it: its connection closes at once
    }
    used = true;
    inFlight++;
    return calls;
  }

  private synchronized void afterClose(Status status) {
    if (status.getCode() == Status.Code.DEADLINE_EXCEEDED || status.getCode() == Status.Code.UNAVAILABLE) {
      // The connection may have died in a way no idle limit foresaw (a shorter NAT window, a
      // silent drop): the next call, once nothing else is in flight, gets a fresh channel.
      suspect = true;
    }
    if (inFlight > 0 && --inFlight == 0) {
      idleSince = policy.now();
    }
  }

  private synchronized ManagedChannel current() {
    return delegate;
  }

  /** A call whose underlying call is created when it starts, on the channel current at that moment. */
  private final class ResettingCall<ReqT, RespT> extends ClientCall<ReqT, RespT> {
    private final MethodDescriptor<ReqT, RespT> method;
    private final CallOptions options;
    private volatile ClientCall<ReqT, RespT> call;
    private String cancelMessage;
    private Throwable cancelCause;
    private boolean cancelledBeforeStart;

    ResettingCall(MethodDescriptor<ReqT, RespT> method, CallOptions options) {
      this.method = method;
      this.options = options;
    }

    @Override
    public void start(Listener<RespT> listener, Metadata headers) {
      Channel channel = beforeStart();
      ClientCall<ReqT, RespT> started;
      try {
        started = channel.newCall(method, options);
        started.start(
            new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
              @Override
              public void onClose(Status status, Metadata trailers) {
                afterClose(status);
                super.onClose(status, trailers);
              }
            },
            headers);
      } catch (RuntimeException | Error e) {
        afterClose(Status.OK);
        throw e;
      }
      call = started;
      synchronized (this) {
        if (cancelledBeforeStart) {
          started.cancel(cancelMessage, cancelCause);
        }
      }
    }

    @Override
    public void request(int numMessages) {
      call.request(numMessages);
    }

    @Override
    public void cancel(String message, Throwable cause) {
      ClientCall<ReqT, RespT> c = call;
      if (c != null) {
        c.cancel(message, cause);
        return;
      }
      synchronized (this) {
        cancelledBeforeStart = true;
        cancelMessage = message;
        cancelCause = cause;
      }
    }

    @Override
    public void halfClose() {
      call.halfClose();
    }

    @Override
    public void sendMessage(ReqT message) {
      call.sendMessage(message);
    }

    @Override
    public boolean isReady() {
      ClientCall<ReqT, RespT> c = call;
      return c != null && c.isReady();
    }

    @Override
    public void setMessageCompression(boolean enabled) {
      call.setMessageCompression(enabled);
    }

    @Override
    public Attributes getAttributes() {
      ClientCall<ReqT, RespT> c = call;
      return c == null ? Attributes.EMPTY : c.getAttributes();
    }
  }

  @Override
  public String authority() {
    return current().authority();
  }

  @Override
  public ManagedChannel shutdown() {
    ManagedChannel c;
    synchronized (this) {
      shutdown = true;
      c = delegate;
    }
    c.shutdown();
    return this;
  }

  @Override
  public boolean isShutdown() {
    return current().isShutdown();
  }

  @Override
  public boolean isTerminated() {
    return current().isTerminated();
  }

  @Override
  public ManagedChannel shutdownNow() {
    ManagedChannel c;
    synchronized (this) {
      shutdown = true;
      c = delegate;
    }
    c.shutdownNow();
    return this;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    return current().awaitTermination(timeout, unit);
  }

  @Override
  public ConnectivityState getState(boolean requestConnection) {
    return current().getState(requestConnection);
  }

  @Override
  public void notifyWhenStateChanged(ConnectivityState source, Runnable callback) {
    current().notifyWhenStateChanged(source, callback);
  }

  @Override
  public void resetConnectBackoff() {
    current().resetConnectBackoff();
  }

  @Override
  public void enterIdle() {
    current().enterIdle();
  }

  @Override
  public String toString() {
    return "IdleResettingChannel{" + current() + "}";
  }
}
