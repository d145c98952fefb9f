package dev.fnclients.pool;

import java.io.IOException;
import java.time.Duration;
import java.util.Locale;

/**
 * No connection permit became free in time: within {@link FnClientsConfig#capWait()}, or within
 * what was left of the call's own deadline ({@link FnClientsConfig#callTimeout()} for HTTP, the
 * call's deadline for gRPC) when that came first. The message names the cap that was full, its
 * limit, the host and which of the two limits ended the wait. Nothing was sent.
 *
 * <p>An {@link IOException} so that it reaches OkHttp callbacks and {@code execute()} callers the
 * way every other transport failure does.
 */
public class ConnectionCapExceededException extends IOException {
  private static final long serialVersionUID = 1L;

  /** {@link #waitLimit()} when {@link FnClientsConfig#capWait()} ended the wait. */
  public static final String CAP_WAIT = "capWait";

  /**
   * {@link #waitLimit()} when the HTTP call's {@link FnClientsConfig#callTimeout()} ended the wait.
   */
  public static final String CALL_TIMEOUT = "callTimeout";

  /** {@link #waitLimit()} when a gRPC call's deadline ended the wait. */
  public static final String DEADLINE = "deadline";

  private final String cap;
  private final int limit;
  private final String host;
  private final Duration waited;
  private final String waitLimit;

  /** The cap {@code cap} stayed full for the whole {@link FnClientsConfig#capWait()}. */
  public ConnectionCapExceededException(String cap, int limit, String host, Duration waited) {
    this(cap, limit, host, waited, CAP_WAIT);
  }

  /**
   * The cap {@code cap} stayed full until {@code waitLimit} ({@link #CAP_WAIT}, {@link
   * #CALL_TIMEOUT} or {@link #DEADLINE}) ended the wait.
   */
  public ConnectionCapExceededException(
      String cap, int limit, String host, Duration waited, String waitLimit) {
    super(
        "connection cap reached: "
            + cap
            + " = "
            + limit
            + (cap.endsWith("PerHost") ? " for " + host : " (while calling " + host + ")")
            + "; waited "
            + waited.toMillis()
            + " ms"
            + (CAP_WAIT.equals(waitLimit)
                ? " (capWait)"
                : ", all that was left of the call (" + waitLimit + ")")
            + ". Raise FNCLIENTS_"
            + cap.replaceAll("([A-Z])", "_$1").toUpperCase(Locale.ROOT)
            + " or close responses sooner");
    this.cap = cap;
    this.limit = limit;
    this.host = host;
    this.waited = waited;
    this.waitLimit = waitLimit;
  }

  /** How long the caller waited before giving up. */
  public Duration waited() {
    return waited;
  }

  /**
   * What ended the wait: {@link #CAP_WAIT}, or {@link #CALL_TIMEOUT} / {@link #DEADLINE} when the
   * call had less time left than {@code capWait}.
   */
  public String waitLimit() {
    return waitLimit;
  }

  /**
   * The setting whose limit was reached: {@code maxConnections} or {@code maxConnectionsPerHost}.
   */
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
