package dev.fnclients.http.internal;

import dev.fnclients.spi.ConnectionCap;
import java.lang.ref.Cleaner;
import java.util.function.LongSupplier;
import okhttp3.Call;
import okio.Timeout;

/**
 * One call as FnClients' interceptors and sockets see it, from the application interceptor's start
 * until the call is done with its connections: its deadline, what its current attempt did, and the
 * connection permit it holds. One object per call on purpose: on the warm path each of these was an
 * allocation of its own.
 *
 * <p>The current call is passed from the application interceptor to the network interceptor and to
 * the sockets it connects by a thread-local: OkHttp runs a call's interceptor chain, and with fast
 * fallback off its connects, on one thread. The thread-local's entry stays, empty, between calls,
 * so that a call does not allocate it again.
 *
 * <p>The permit is released once, when the application interceptor has returned the response and
 * every exchange body the network interceptor passed on is done with (read to the end, failed or
 * closed): OkHttp releases a connection at the same moments. A response body the caller drops
 * unclosed releases it when garbage-collected, and closes its HTTP/1 connection, whose socket
 * OkHttp would otherwise keep allocated: a leaked permit or socket would shrink the cap forever.
 */
class CallState implements LongSupplier {
  private static final ThreadLocal<CallState> CURRENT = new ThreadLocal<>();
  private static final Cleaner CLEANER = Cleaner.create();

  private final boolean timed;
  private final long deadline;
  private ConnectionCap.Permit permit; // set by hold() before the call proceeds, read after
  private CallState outer;

  /**
   * Set once the current attempt's request reached the point of being written; same thread only.
   */
  boolean sendStarted;

  /** Set once a wait for a socket slot ran out: further connects of this attempt fail at once. */
  boolean capWaitSpent;

  private int openBodies; // guarded by this
  private boolean returned; // guarded by this
  private Cleaner.Cleanable cleanable; // guarded by this
  private TrackedConnection lastOpened; // guarded by this

  /**
   * The state of {@code call}, which is starting now. Its deadline is OkHttp's call timeout ({@code
   * callTimeout}, or a deadline set on {@link Call#timeout()}), counted from now; see {@link
   * CallDeadline}.
   */
  CallState(Call call) {
    Timeout timeout = call.timeout();
    long now = System.nanoTime();
    long timeoutNanos = timeout.timeoutNanos();
    boolean hasDeadline = timeout.hasDeadline();
    if (timeoutNanos > 0 && hasDeadline) {
      deadline = now + Math.min(timeoutNanos, timeout.deadlineNanoTime() - now);
    } else if (timeoutNanos > 0) {
      deadline = now + timeoutNanos;
    } else {
      deadline = hasDeadline ? timeout.deadlineNanoTime() : 0;
    }
    timed = timeoutNanos > 0 || hasDeadline;
  }

  /** The call now holds {@code permit}, taken for its connections once its deadline was known. */
  final void hold(ConnectionCap.Permit permit) {
    this.permit = permit;
  }

  /** Nanoseconds left before the call's deadline, or {@link ConnectionCap#NO_DEADLINE}. */
  final long nanosLeft() {
    return timed ? deadline - System.nanoTime() : ConnectionCap.NO_DEADLINE;
  }

  /** {@link #nanosLeft()}, for {@code SafeRetry}. */
  @Override
  public final long getAsLong() {
    return nanosLeft();
  }

  /**
   * Starts an attempt of this call on this thread. A call made from inside another call's chain (by
   * an interceptor, say) nests: its attempt's end restores the outer call.
   */
  final void beginAttempt() {
    outer = CURRENT.get();
    CURRENT.set(this);
    sendStarted = false;
    capWaitSpent = false;
  }

  /** Ends the current attempt, restoring the call it was nested in. */
  final void endAttempt() {
    CURRENT.set(outer);
    outer = null;
  }

  /** The call under way on this thread, or {@code null} outside FnClients' interceptor. */
  static CallState current() {
    return CURRENT.get();
  }

  /**
   * The network interceptor passes on an exchange on {@code connection} whose body is still to be
   * done with.
   */
  final synchronized void bodyOpened(TrackedConnection connection) {
    openBodies++;
    lastOpened = connection;
  }

  /** An exchange body {@link #bodyOpened()} counted is done with; called once per body. */
  final void bodyDone() {
    Cleaner.Cleanable c;
    synchronized (this) {
      if (--openBodies > 0 || !returned) {
        return;
      }
      c = cleanable;
      cleanable = null;
    }
    if (c != null) {
      c.clean(); // releases the permit and deregisters, so the collector has no reference to
      // process
    } else {
      permit.close();
    }
  }

  /**
   * The application interceptor returns a response with {@code body} to the caller: the permit is
   * released now if every exchange body is done with, else when the last one is, or when {@code
   * body} is garbage-collected unclosed.
   */
  final void returning(Object body) {
    synchronized (this) {
      returned = true;
      if (openBodies > 0) {
        // The action holds this state, which never holds the body: the body can become unreachable.
        cleanable = CLEANER.register(body, new Release(this));
        return;
      }
    }
    permit.close();
  }

  /**
   * The Cleaner's action, run once: by {@link #bodyDone()} when the last body is done with, or when
   * the response body was collected unclosed. Then the exchange never ended, and its HTTP/1
   * connection is closed too, so that its socket's slot in the cap comes back with the permit.
   */
  private void release() {
    TrackedConnection stranded;
    synchronized (this) {
      stranded = openBodies > 0 ? lastOpened : null;
    }
    if (stranded != null) {
      stranded.closeLeaked();
    }
    permit.close();
  }

  /** {@link #release()} as a Cleaner action. */
  private static final class Release implements Runnable {
    private final CallState call;

    Release(CallState call) {
      this.call = call;
    }

    @Override
    public void run() {
      call.release();
    }
  }

  /** The call ends with a failure: the permit goes back now. */
  final void failed() {
    permit.close();
  }
}
