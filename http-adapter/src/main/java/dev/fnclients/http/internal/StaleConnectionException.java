package dev.fnclients.http.internal;

import java.io.IOException;

/**
 * The connection chosen for an exchange had been idle past its limit and was discarded before
 * anything was written to it. Always safe to retry, for any method; never reaches the caller.
 */
final class StaleConnectionException extends IOException {
  private static final long serialVersionUID = 1L;

  StaleConnectionException(String message) {
    super(message, null);
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    return this; // a control-flow signal: the trace would cost more than the retry
  }
}
