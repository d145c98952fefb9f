package dev.fnclients.http.internal;

import dev.fnclients.spi.ConnectionCap;

/**
 * What one attempt of a call did and may still do, passed from the application interceptor to the
 * network interceptor and to the sockets it connects: whether the request reached the point of
 * being written, and the call's deadline, which bounds every wait for a connection slot. OkHttp
 * runs a call's interceptor chain, and with fast fallback off its connects, on one thread, so a
 * thread-local carries it without rebuilding the request.
 */
final class Attempt {
  private static final ThreadLocal<Attempt> CURRENT = new ThreadLocal<>();

  volatile boolean sendStarted;
  /** Set once a wait for a socket slot ran out: further connects of this attempt fail at once. */
  boolean capWaitSpent;
  private final Attempt outer;
  private final CallDeadline deadline;

  private Attempt(Attempt outer, CallDeadline deadline) {
    this.outer = outer;
    this.deadline = deadline;
  }

  /**
   * Starts an attempt on this thread. A call made from inside another call's chain (by an
   * interceptor, say) nests: its end restores the outer attempt.
   */
  static Attempt begin(CallDeadline deadline) {
    Attempt attempt = new Attempt(CURRENT.get(), deadline);
    CURRENT.set(attempt);
    return attempt;
  }

  /** The attempt under way on this thread, or {@code null} outside FnClients' interceptor. */
  static Attempt current() {
    return CURRENT.get();
  }

  /** Nanoseconds left before the call's deadline, or {@link ConnectionCap#NO_DEADLINE}. */
  long nanosLeft() {
    return deadline.nanosLeft();
  }

  /** Ends this attempt, restoring the one it was nested in. */
  void end() {
    if (outer == null) {
      CURRENT.remove();
    } else {
      CURRENT.set(outer);
    }
  }
}
