package dev.fnclients.http.internal;

import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.spi.TransportStats;
import javax.net.SocketFactory;

/**
 * The socket side of the HTTP client's connection caps, for {@code FnHttp} to wire: the {@link
 * SocketCap} and the socket factory whose sockets it counts. (The cap type itself stays
 * package-private.)
 */
public final class HttpCaps {
  private final SocketCap sockets;
  private final ChannelSocketFactory socketFactory;

  private HttpCaps(SocketCap sockets) {
    this.sockets = sockets;
    this.socketFactory = new ChannelSocketFactory(sockets);
  }

  /** The socket caps of {@code config}. */
  public static HttpCaps of(FnClientsConfig config, TransportStats stats) {
    return new HttpCaps(SocketCap.of(config, stats));
  }

  SocketCap sockets() {
    return sockets;
  }

  /** The factory of the client's sockets. */
  public SocketFactory socketFactory() {
    return socketFactory;
  }
}
