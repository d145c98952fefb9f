package dev.fnclients.spi;

import java.util.Objects;

/**
 * Thrown by an attempt to say its failure is safe to retry; anything else an attempt throws is
 * final. Adapters classify failures with the whole call in view (method, idempotency key, whether
 * the request left the client) and wrap only the safe ones; {@link SafeRetry} unwraps the cause
 * when it gives up.
 */
public final class RetryableFailure extends Exception {
  private static final long serialVersionUID = 1L;

  /** Set by {@link SafeRetry} when it has decided: the wait before a retry, or -1 for none. */
  transient long waitNanos = -1;

  public RetryableFailure(Exception cause) {
    super(Objects.requireNonNull(cause, "cause").getMessage(), cause, false, false);
  }

  /** The failure itself. */
  public Exception failure() {
    return (Exception) getCause();
  }
}
