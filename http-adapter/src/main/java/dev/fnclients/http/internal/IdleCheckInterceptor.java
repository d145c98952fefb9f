package dev.fnclients.http.internal;

import dev.fnclients.spi.IdlePolicy;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.spi.TransportStats;
import java.io.IOException;
import java.util.Map;
import java.util.WeakHashMap;
import okhttp3.Connection;
import okhttp3.Interceptor;
import okhttp3.Response;

/**
 * A network interceptor: it runs after OkHttp has taken a connection for an exchange and before
 * the request is written. OkHttp never compares a pooled connection's idle age with anything when
 * it hands it out (only a background task evicts, and it may not run on a throttled instance), so
 * this is where a connection idle past its limit is caught: it is closed and a
 * {@link StaleConnectionException} asks the application interceptor to try again on a fresh one.
 *
 * <p>Idle time is tracked per connection by this interceptor itself (exchanges in flight, and when
 * the last one finished), read from the injected ticker, so it is right even for calls made through
 * {@code newBuilder()} variants. A server's {@code Keep-Alive: timeout=} shortens the limit.
 */
public final class IdleCheckInterceptor implements Interceptor {
  private final IdlePolicy policy;
  private final TransportStats stats;
  private final Map<Connection, ConnectionState> states = new WeakHashMap<>();

  public IdleCheckInterceptor(IdlePolicy policy, TransportStats stats) {
    this.policy = policy;
    this.stats = stats;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Connection connection = chain.connection();
    if (connection == null) {
      return chain.proceed(chain.request()); // not reachable for network interceptors
    }
    ConnectionState state = stateOf(connection);
    state.acquire(connection);

    Attempt attempt = Attempt.current();
    if (attempt != null) {
      attempt.sendStarted = true;
    }
    Response response;
    try {
      response = chain.proceed(chain.request());
    } catch (IOException | RuntimeException | Error e) {
      state.release();
      throw e;
    }
    long hint = Responses.keepAliveTimeoutNanos(response);
    if (hint >= 0) {
      state.limitNanos = policy.limitNanos(hint);
    }
    if (Responses.isComplete(response)) {
      state.release();
      return response;
    }
    return response.newBuilder().body(OnCompleteBody.wrap(response.body(), state::release)).build();
  }

  /** Connections this interceptor has seen and not yet forgotten (they are weakly held). */
  public int trackedConnections() {
    synchronized (states) {
      return states.size();
    }
  }

  private ConnectionState stateOf(Connection connection) {
    synchronized (states) {
      return states.computeIfAbsent(connection, c -> new ConnectionState(policy.maxIdleNanos()));
    }
  }

  /** Exchanges in flight on one connection and when it last became idle. */
  private final class ConnectionState {
    private int inFlight;
    private boolean used;
    private boolean retired;
    private long idleSince;
    volatile long limitNanos;

    ConnectionState(long limitNanos) {
      this.limitNanos = limitNanos;
    }

    synchronized void acquire(Connection connection) throws StaleConnectionException {
      if (!retired && inFlight == 0 && used && policy.isExpired(idleSince, limitNanos)) {
        retired = true;
        stats.increment(MetricNames.IDLE_EVICTIONS);
        closeQuietly(connection);
      }
      if (retired) {
        throw new StaleConnectionException("connection idle past " + limitNanos / 1_000_000 + " ms discarded");
      }
      if (used) {
        stats.increment(MetricNames.CONNECTIONS_REUSED);
      }
      used = true;
      inFlight++;
    }

    synchronized void release() {
      if (inFlight > 0 && --inFlight == 0) {
        idleSince = policy.now();
      }
    }
  }

  private static void closeQuietly(Connection connection) {
    try {
      // With no exchange in flight this kills only the stale connection; OkHttp then drops it.
      connection.socket().close();
    } catch (IOException e) {
      // Already closed: just as good.
    }
  }
}
