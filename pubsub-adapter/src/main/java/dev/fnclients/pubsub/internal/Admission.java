package dev.fnclients.pubsub.internal;

import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The in-flight cap as Pub/Sub needs it: at most {@code limit} {@code Publish} calls in flight on
 * one channel, for all its publishers together; a call beyond that waits in line without holding a
 * thread, and starts when one in flight ends, or ends {@code DEADLINE_EXCEEDED} when its own
 * deadline passes first (or {@code CANCELLED} when cancelled).
 *
 * <p>Why not the channel's blocking cap: the Pub/Sub client starts calls on the caller's thread
 * (flush) and on a few shared executor threads, so a cap that waits would stall every publisher and
 * overrun any flush timeout; and one that refuses at once makes the client retry in a loop
 * (measured: about 1,500 refused attempts a second and most of a CPU while a server stalls). A call
 * waiting here has sent nothing, so its messages are known not to be on the server.
 */
final class Admission {
  private static final Map<ManagedChannel, Admission> PER_CHANNEL =
      Collections.synchronizedMap(new WeakHashMap<>());

  private final int limit;
  private final ScheduledExecutorService timer;
  private final Object lock = new Object();
  private int inFlight; // guarded by lock
  private final LinkedHashSet<QueuedCall<?, ?>> waiting = new LinkedHashSet<>(); // guarded by lock

  Admission(int limit, ScheduledExecutorService timer) {
    this.limit = limit;
    this.timer = timer;
  }

  /**
   * The admission of {@code channel}, shared by every publisher on it; the first caller's {@code
   * limit} and {@code timer} (which ends waits at their deadline) hold.
   */
  static Admission of(ManagedChannel channel, int limit, ScheduledExecutorService timer) {
    return PER_CHANNEL.computeIfAbsent(channel, c -> new Admission(limit, timer));
  }

  /** A call that starts on {@code next} once admitted. */
  <ReqT, RespT> ClientCall<ReqT, RespT> newCall(
      Channel next, MethodDescriptor<ReqT, RespT> method, CallOptions options) {
    return new QueuedCall<>(next, method, options);
  }

  /** Calls in flight now. */
  int inFlight() {
    synchronized (lock) {
      return inFlight;
    }
  }

  /** Calls waiting now. */
  int waiting() {
    synchronized (lock) {
      return waiting.size();
    }
  }

  /** Takes a slot for {@code call}, or puts it in line; true when it may start now. */
  private boolean admitOrQueue(QueuedCall<?, ?> call) {
    synchronized (lock) {
      if (inFlight < limit) {
        inFlight++;
        return true;
      }
      waiting.add(call);
      return false;
    }
  }

  /** A call in flight ended: its slot goes to the first call in line, or is freed. */
  private void release() {
    while (true) {
      QueuedCall<?, ?> next;
      synchronized (lock) {
        Iterator<QueuedCall<?, ?>> it = waiting.iterator();
        if (!it.hasNext()) {
          inFlight--;
          return;
        }
        next = it.next();
        it.remove();
      }
      if (next.admit()) {
        return;
      }
      // It ended while in line; offer the slot to the next one.
    }
  }

  /** Takes {@code call} out of line; false when it had already been given a slot. */
  private boolean withdraw(QueuedCall<?, ?> call) {
    synchronized (lock) {
      return waiting.remove(call);
    }
  }

  /** A call that holds back what it is asked to do until it has a slot. */
  private final class QueuedCall<ReqT, RespT> extends ClientCall<ReqT, RespT> {
    private final Channel next;
    private final MethodDescriptor<ReqT, RespT> method;
    private final CallOptions options;
    private final long queuedAt = System.nanoTime();
    // Guarded by this: what was asked before the call had a slot.
    private ClientCall<ReqT, RespT> real;
    private Listener<RespT> listener;
    private Metadata headers;
    private int requested;
    private final List<ReqT> messages = new ArrayList<>(1);
    private boolean halfClosed;
    private Boolean compression;
    private boolean ended;
    private ScheduledFuture<?> expiry;

    QueuedCall(Channel next, MethodDescriptor<ReqT, RespT> method, CallOptions options) {
      this.next = next;
      this.method = method;
      this.options = options;
    }

    @Override
    public void start(Listener<RespT> listener, Metadata headers) {
      synchronized (this) {
        this.listener = listener;
        this.headers = headers;
      }
      if (admitOrQueue(this)) {
        if (!admit()) {
          release(); // cancelled before it started
        }
      } else {
        expireAtDeadline();
      }
    }

    /** Starts the real call and replays what was asked; false if this call had already ended. */
    boolean admit() {
      synchronized (this) {
        if (ended) {
          return false;
        }
        if (expiry != null) {
          expiry.cancel(false);
        }
        ClientCall<ReqT, RespT> call = next.newCall(method, options);
        try {
          call.start(
              new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                @Override
                public void onClose(Status status, Metadata trailers) {
                  try {
                    release(); // first: whoever learns of the end may count on the slot being free
                  } finally {
                    super.onClose(status, trailers);
                  }
                }
              },
              headers);
        } catch (RuntimeException e) {
          ended = true;
          release();
          listener.onClose(
              Status.INTERNAL.withDescription("the call failed to start").withCause(e),
              new Metadata());
          return true;
        }
        real = call;
        if (compression != null) {
          real.setMessageCompression(compression);
        }
        if (requested > 0) {
          real.request(requested);
        }
        for (ReqT message : messages) {
          real.sendMessage(message);
        }
        messages.clear();
        if (halfClosed) {
          real.halfClose();
        }
        return true;
      }
    }

    private void expireAtDeadline() {
      io.grpc.Deadline deadline = options.getDeadline();
      if (deadline == null) {
        return; // waits until admitted or cancelled
      }
      long nanos = deadline.timeRemaining(TimeUnit.NANOSECONDS);
      Runnable expire =
          () ->
              end(
                  Status.DEADLINE_EXCEEDED.withDescription(
                      "deadline exceeded after "
                          + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - queuedAt)
                          + " ms waiting for one of the "
                          + limit
                          + " Publish calls in flight on the channel to end"));
      try {
        ScheduledFuture<?> scheduled =
            timer.schedule(expire, Math.max(0, nanos), TimeUnit.NANOSECONDS);
        synchronized (this) {
          expiry = scheduled;
        }
      } catch (RejectedExecutionException e) {
        expire.run(); // shutting down: nothing will free a slot for it in time
      }
    }

    /**
     * Ends the call if it has no slot yet, telling its listener once; returns the real call instead
     * when it was admitted first (or {@code null} when it had already ended).
     */
    private ClientCall<ReqT, RespT> end(Status status) {
      Listener<RespT> told;
      synchronized (this) {
        if (real != null || ended) {
          return real;
        }
        ended = true;
        told = listener;
        if (expiry != null) {
          expiry.cancel(false);
        }
      }
      withdraw(
          this); // if it was just handed a slot instead, admit() sees it ended and passes the slot
      // on
      if (told != null) {
        told.onClose(status, new Metadata());
      }
      return null;
    }

    @Override
    public void request(int numMessages) {
      heldOrForwarded(() -> requested += numMessages, call -> call.request(numMessages));
    }

    @Override
    public void cancel(String message, Throwable cause) {
      Status status =
          Status.CANCELLED.withDescription(
              message != null ? message : "cancelled while waiting in line");
      ClientCall<ReqT, RespT> admitted = end(cause != null ? status.withCause(cause) : status);
      if (admitted != null) {
        admitted.cancel(message, cause);
      }
    }

    @Override
    public void halfClose() {
      heldOrForwarded(() -> halfClosed = true, ClientCall::halfClose);
    }

    @Override
    public void sendMessage(ReqT message) {
      heldOrForwarded(
          () -> {
            if (!ended) {
              messages.add(message);
            }
          },
          call -> call.sendMessage(message));
    }

    @Override
    public void setMessageCompression(boolean enabled) {
      heldOrForwarded(() -> compression = enabled, call -> call.setMessageCompression(enabled));
    }

    @Override
    public boolean isReady() {
      ClientCall<ReqT, RespT> r = admitted();
      return r != null && r.isReady();
    }

    @Override
    public Attributes getAttributes() {
      ClientCall<ReqT, RespT> r = admitted();
      return r != null ? r.getAttributes() : Attributes.EMPTY;
    }

    private synchronized ClientCall<ReqT, RespT> admitted() {
      return real;
    }

    /**
     * Before admission, records what was asked ({@code hold}, under the lock, so that {@link
     * #admit()} replays it in order); after, passes it to the real call.
     */
    private void heldOrForwarded(Runnable hold, Consumer<ClientCall<ReqT, RespT>> forward) {
      ClientCall<ReqT, RespT> r;
      synchronized (this) {
        if (real == null) {
          hold.run();
          return;
        }
        r = real;
      }
      forward.accept(r);
    }
  }
}
