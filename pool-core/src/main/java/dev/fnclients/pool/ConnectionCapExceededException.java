package dev.fnclients.pool;

import java.io.IOException;
import java.time.Duration;

/**
 * No connection permit became free within {@link FnClientsConfig#capWait()}. The message names
 * the cap that was full, its limit and the host. Nothing was sent.
 *
 * <p>An {@link IOException} so that it reaches OkHttp callbacks and {@code execute()} callers the
 * way every other transport failure does.
 */
public class ConnectionCapExceededException extends IOException {
  private static final long serialVersionUID = 1L;
  private final String cap;
  private final int limit;
  private final String host;
  private final Duration waited;

  public ConnectionCapExceededException(String cap, int limit, String host, Duration waited) {
    super(
        "connection cap reached: "
            + cap
            + " = "
            + limit
            + " connections in use"
            + (cap.endsWith("PerHost") ? " for " + host : " (while calling " + host + ")")
            + "; waited "
            + waited.toMillis()
            + " ms (capWait). Raise FNCLIENTS_"
            + cap.replaceAll("([A-Z])", "_$1").toUpperCase(java.util.Locale.ROOT)
            + " or close responses sooner");
    this.cap = cap;
    this.limit = limit;
    this.host = host;
    this.waited = waited;
  }

  /** How long the caller waited before giving up. */
  public Duration waited() {
    return waited;
  }

  /** The setting whose limit was reached: {@code maxConnections} or {@code maxConnectionsPerHost}. */
  public String cap() {
    return cap;
  }

  /** The limit that was reached. */
  public int limit() {
    return limit;
  }

  /** The host (and port) the caller wanted a connection to. */
  public String host() {
    return host;
  }
}
