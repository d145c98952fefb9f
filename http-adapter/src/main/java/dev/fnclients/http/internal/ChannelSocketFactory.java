package dev.fnclients.http.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import javax.net.SocketFactory;

/**
 * Makes the client's sockets: {@link ChannelSocket}s, with TCP_NODELAY set (OkHttp leaves Nagle's
 * algorithm on, and in a TLS handshake it meets the server's delayed ACK: a new TLS connection then
 * costs about 40 ms more on loopback), counted by the {@link SocketCap} from connect to close, and
 * able to tell cheaply whether their peer has closed them.
 */
public final class ChannelSocketFactory extends SocketFactory {
  private final SocketCap cap;

  ChannelSocketFactory(SocketCap cap) {
    this.cap = cap;
  }

  @Override
  public Socket createSocket() throws IOException {
    return new ChannelSocket(cap);
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    return connected(null, new InetSocketAddress(host, port));
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
      throws IOException {
    return connected(
        new InetSocketAddress(localHost, localPort), new InetSocketAddress(host, port));
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    return connected(null, new InetSocketAddress(host, port));
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
      throws IOException {
    return connected(
        new InetSocketAddress(localAddress, localPort), new InetSocketAddress(address, port));
  }

  private Socket connected(InetSocketAddress local, InetSocketAddress remote) throws IOException {
    ChannelSocket socket = new ChannelSocket(cap);
    try {
      if (local != null) {
        socket.bind(local);
      }
      socket.connect(remote);
      return socket;
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }
}
