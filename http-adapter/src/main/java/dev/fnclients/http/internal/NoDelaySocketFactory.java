package dev.fnclients.http.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import javax.net.SocketFactory;

/**
 * Creates sockets with TCP_NODELAY set. OkHttp leaves Nagle's algorithm on, and in a TLS handshake
 * it meets the server's delayed ACK: a new TLS connection then costs about 40 ms more on loopback.
 */
public final class NoDelaySocketFactory extends SocketFactory {
  private final SocketFactory delegate;

  public NoDelaySocketFactory(SocketFactory delegate) {
    this.delegate = delegate;
  }

  private static Socket configure(Socket socket) throws SocketException {
    socket.setTcpNoDelay(true);
    return socket;
  }

  @Override
  public Socket createSocket() throws IOException {
    return configure(delegate.createSocket());
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    return configure(delegate.createSocket(host, port));
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
    return configure(delegate.createSocket(host, port, localHost, localPort));
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    return configure(delegate.createSocket(host, port));
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
      throws IOException {
    return configure(delegate.createSocket(address, port, localAddress, localPort));
  }
}
