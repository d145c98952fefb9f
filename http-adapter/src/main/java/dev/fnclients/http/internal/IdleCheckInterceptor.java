package dev.fnclients.http.internal;

import dev.fnclients.spi.IdlePolicy;
import dev.fnclients.spi.TransportStats;
import java.io.IOException;
import java.net.Socket;
import java.util.Map;
import java.util.WeakHashMap;
import okhttp3.Connection;
import okhttp3.Interceptor;
import okhttp3.Protocol;
import okhttp3.Response;

/**
 * A network interceptor: it runs after OkHttp has taken a connection for an exchange and before the
 * request is written. This is where a pooled connection that cannot carry the request is caught,
 * closed, and the request sent on a fresh one by a {@link StaleConnectionException} to the
 * application interceptor, for any method and without counting as a retry:
 *
 * <ul>
 *   <li>one idle past its limit: OkHttp never compares a pooled connection's idle age with anything
 *       when it hands it out (only a background task evicts, and it may not run on a throttled
 *       instance). Idle time is tracked per connection here (exchanges in flight, and when the last
 *       one finished), read from the injected ticker, so it is right even for calls made through
 *       {@code newBuilder()} variants. A server's {@code Keep-Alive: timeout=} shortens the limit;
 *   <li>an HTTP/1 connection its peer has already closed (FIN, RST, a TLS close_notify) or sent
 *       unasked bytes on (a 408 before closing, say): found by one non-blocking read on the {@link
 *       ChannelSocket} under it, so a healthy connection costs one system call and no wait (none at
 *       all when its last exchange ended less than 1 ms before). (HTTP/2 connections are left to
 *       OkHttp, which tracks GOAWAY and pings itself.)
 * </ul>
 */
public final class IdleCheckInterceptor implements Interceptor {
  private final IdlePolicy policy;
  private final TransportStats stats;
  private final SocketCap cap;
  private final Map<Connection, TrackedConnection> states = new WeakHashMap<>();

  public IdleCheckInterceptor(IdlePolicy policy, TransportStats stats, HttpCaps caps) {
    this(policy, stats, caps.sockets());
  }

  IdleCheckInterceptor(IdlePolicy policy, TransportStats stats, SocketCap cap) {
    this.policy = policy;
    this.stats = stats;
    this.cap = cap;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Connection connection = chain.connection();
    if (connection == null) {
      return chain.proceed(chain.request()); // not reachable for network interceptors
    }
    TrackedConnection state = stateOf(connection);
    state.acquire();

    CallState call = CallState.current();
    if (call != null) {
      call.sendStarted = true;
    }
    Response response;
    try {
      response = Responses.withoutOkHttpsOwnRetry(chain.proceed(chain.request()));
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
    return response.newBuilder().body(OnCompleteBody.wrap(response.body(), state, call)).build();
  }

  /** Connections this interceptor has seen and not yet forgotten (they are weakly held). */
  public int trackedConnections() {
    synchronized (states) {
      return states.size();
    }
  }

  private TrackedConnection stateOf(Connection connection) {
    synchronized (states) {
      TrackedConnection state = states.get(connection);
      if (state == null) {
        state = track(connection);
        states.put(connection, state);
      }
      return state;
    }
  }

  /** First sight of a connection: find the socket FnClients made under it and link the two. */
  private TrackedConnection track(Connection connection) {
    Socket socket = connection.socket();
    ChannelSocket channel = cap == null ? null : cap.find(socket);
    Protocol protocol = connection.protocol();
    boolean http1 = protocol == Protocol.HTTP_1_1 || protocol == Protocol.HTTP_1_0;
    TrackedConnection state = new TrackedConnection(policy, stats, cap, socket, channel, http1);
    if (channel != null) {
      channel.tracker = state;
    }
    return state;
  }
}
