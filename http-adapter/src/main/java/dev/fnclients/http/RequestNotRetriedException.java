package dev.fnclients.http;

import java.io.IOException;

/**
 * A request failed after it may have reached the server, and was not retried because repeating it
 * could apply it twice: its method is not idempotent (RFC 9110 §9.2.2) and it carries no {@code
 * Idempotency-Key} header. The cause is the transport failure (reset, EOF, broken pipe).
 *
 * <p>The caller decides: check whether the server applied the request, or send it again with an
 * {@code Idempotency-Key} header so that FnClients may retry it.
 */
public class RequestNotRetriedException extends IOException {
  private static final long serialVersionUID = 1L;
  private final String method;
  private final String origin;

  public RequestNotRetriedException(String method, String origin, IOException cause) {
    super(
        method
            + " "
            + origin
            + " failed after the request may have reached the server ("
            + cause
            + "); not retried because "
            + method
            + " is not idempotent and the request has no Idempotency-Key header",
        cause);
    this.method = method;
    this.origin = origin;
  }

  /** The request method, e.g. {@code POST}. */
  public String method() {
    return method;
  }

  /** Scheme, host and port of the request; never the path or query, which may hold secrets. */
  public String origin() {
    return origin;
  }
}
