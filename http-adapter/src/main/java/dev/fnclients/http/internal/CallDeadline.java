package dev.fnclients.http.internal;

import okhttp3.Call;
import okio.AsyncTimeout;
import okio.Timeout;

/**
 * When a call must be over: OkHttp's call timeout ({@code callTimeout}, or a deadline set on {@link
 * Call#timeout()}), counted from when FnClients' first interceptor saw the call (kept by {@link
 * CallState}). OkHttp starts the timeout a moment earlier, as the call starts running; with the
 * dispatcher never queueing (see {@code FnHttp}) an {@code enqueue()}d call starts running at once,
 * so the deadline counts from {@code enqueue()} too. Every wait FnClients makes for a call (for a
 * connection slot, before a retry) ends by it.
 */
final class CallDeadline {
  private CallDeadline() {}

  /**
   * Stops OkHttp's own timer for a call that is ending now with a failure that already names the
   * call's deadline as its cause (a wait for a connection that the deadline ended, say). Otherwise
   * the timer, firing at the same moment, would turn it into a bare {@code InterruptedIOException:
   * timeout} or not, depending on which thread got there first.
   */
  static void endTimer(Call call) {
    Timeout timeout = call.timeout();
    if (timeout instanceof AsyncTimeout) {
      ((AsyncTimeout) timeout).exit();
    }
  }
}
