package dev.fnclients.grpc.internal;

import dev.fnclients.pool.MetricNames;
import dev.fnclients.spi.IdlePolicy;
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
 * A {@link ManagedChannel} that, when a call starts, checks by wall clock how long ago the previous
 * call started; past the maximum idle age it replaces the underlying channel with a new one, so the
 * call gets a fresh connection instead of the one the platform killed meanwhile, and shuts the old
 * one down gracefully (a call still in flight on it finishes there).
 *
 * <p>Why from the previous call's start, and whatever is in flight: the only times this class can
 * trust are those read on a thread that is running. A response that arrived while the instance was
 * frozen sits in the socket until the thaw, and its call then ends after the thaw, stamped with a
 * time that hides the gap; a call in flight across a freeze (a Spanner session being replaced in
 * the background, a streaming query closed a moment before the freeze) proves nothing about its
 * connection either. A call's start is stamped by the thread starting it, so the first call after a
 * gap always sees the gap. The price: a call that started longer than the idle age ago and is still
 * running (a long stream) no longer keeps its connection for the next call; that call opens a fresh
 * one. grpc-java's own idle timer cannot be trusted for this: it runs on a background thread that a
 * throttled instance may not run, and an arriving call cancels it. {@code enterIdle()} is no
 * substitute either: it queues behind whatever else the channel is doing (right after a thaw, its
 * overdue timers), and a call started meanwhile still picks the old transport. The replacement here
 * is synchronous with the call's start. A channel whose last call ended {@code DEADLINE_EXCEEDED}
 * or {@code UNAVAILABLE} is replaced too, so one silently dropped connection costs one call, not
 * every call until the next idle gap.
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

  /** When the last call started, by the policy's clock. */
  private long lastStart;

  /**
   * @param factory builds an underlying channel: the first one now, each replacement later
   * @param intercept applies the call interceptors to an underlying channel
   */
  public IdleResettingChannel(
      Supplier<ManagedChannel> factory,
      Function<ManagedChannel, Channel> intercept,
      IdlePolicy policy,
      TransportStats stats) {
    this.factory = factory;
    this.intercept = intercept;
    this.policy = policy;
    this.stats = stats;
    this.delegate = factory.get();
    this.calls = intercept.apply(delegate);
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> newCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions options) {
    return new ResettingCall<>(method, options);
  }

  /**
   * Checks staleness, replacing the underlying channel if needed, and counts the call in flight.
   */
  private synchronized Channel beforeStart() {
    long now = policy.now();
    boolean expired = used && IdlePolicy.isExpired(lastStart, now, policy.maxIdleNanos());
    if (!shutdown && (expired || (suspect && inFlight == 0))) {
      if (expired) {
        stats.increment(MetricNames.IDLE_EVICTIONS);
      }
      suspect = false;
      ManagedChannel stale = delegate;
      delegate = factory.get();
      calls = intercept.apply(delegate);
      stale.shutdown(); // its connection closes once the calls still in flight on it end
    }
    used = true;
    lastStart = now;
    inFlight++;
    return calls;
  }

  /**
   * @param startedOn the underlying channel the call started on
   */
  private synchronized void afterClose(Status status, Channel startedOn) {
    if ((status.getCode() == Status.Code.DEADLINE_EXCEEDED
            || status.getCode() == Status.Code.UNAVAILABLE)
        && startedOn == calls) {
      // The connection may have died in a way no idle limit foresaw (a shorter NAT window, a
      // silent drop): the next call, once nothing else is in flight, gets a fresh channel. A call
      // that ends so on a channel already replaced says nothing about the current one.
      suspect = true;
    }
    if (inFlight > 0) {
      inFlight--;
    }
  }

  private synchronized ManagedChannel current() {
    return delegate;
  }

  /**
   * A call whose underlying call is created when it starts, on the channel current at that moment.
   */
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
                afterClose(status, channel);
                super.onClose(status, trailers);
              }
            },
            headers);
      } catch (RuntimeException | Error e) {
        afterClose(Status.OK, channel);
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
