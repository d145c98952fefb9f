package dev.fnclients.http.internal;

/**
 * What one attempt of a call did, passed from the application interceptor to the network
 * interceptor: whether the request reached the point of being written. OkHttp runs a call's
 * interceptor chain on one thread, so a thread-local carries it without rebuilding the request.
 */
final class Attempt {
  private static final ThreadLocal<Attempt> CURRENT = new ThreadLocal<>();

  volatile boolean sendStarted;
  private final Attempt outer;

  private Attempt(Attempt outer) {
    this.outer = outer;
  }

  /**
   * Starts an attempt on this thread. A call made from inside another call's chain (by an
   * interceptor, say) nests: its end restores the outer attempt.
   */
  static Attempt begin() {
    Attempt attempt = new Attempt(CURRENT.get());
    CURRENT.set(attempt);
    return attempt;
  }

  /** The attempt under way on this thread, or {@code null} outside FnClients' interceptor. */
  static Attempt current() {
    return CURRENT.get();
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
