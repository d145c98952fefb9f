package dev.fnclients.http.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketImpl;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A {@link Socket} over a {@link SocketChannel} kept in non-blocking mode, waiting in a {@link
 * Selector} where a blocking socket would block. To OkHttp (and to the JDK's TLS layer on top of
 * it) it is an ordinary socket: connect and read timeouts, shutdown, close from another thread. It
 * exists for two things a {@code java.net.Socket} cannot do:
 *
 * <ul>
 *   <li>{@link #peerClosedOrSentUnasked()}: whether the peer has closed the connection (FIN or RST)
 *       or sent bytes nobody asked for, found by one non-blocking read that returns at once on a
 *       healthy connection. A plain socket can only find a FIN by a read that blocks for at least a
 *       millisecond on a healthy one (what OkHttp's own health check does), and {@code available()}
 *       sees bytes but no FIN. The JDK's own channel-backed socket ({@code SocketChannel.socket()})
 *       switches the channel to non-blocking and back around every timed read, two system calls per
 *       read on the warm path; this one never switches.
 *   <li>{@link SocketCap}: a slot is taken in {@link #connect} before anything goes on the wire and
 *       given back exactly once in {@link #close()}, so the cap counts sockets, in use and pooled,
 *       whoever closes them.
 * </ul>
 *
 * <p>Reads honour {@link #setSoTimeout}; writes, as on a plain socket, have no socket timeout
 * (OkHttp times them out itself by closing the socket). Thread interrupts do not break a wait, as
 * on the JDK's own sockets; the interrupt status is kept.
 */
final class ChannelSocket extends Socket {

  private final SocketChannel channel;
  private final SocketCap cap;
  private final Object stateLock = new Object();
  private final Object readLock = new Object();
  private final Object writeLock = new Object();
  private final ByteBuffer probe = ByteBuffer.allocate(1);
  private final InputStream in = new In();
  private final OutputStream out = new Out();
  private volatile int timeoutMillis;
  private volatile boolean closed;
  private volatile boolean connected;
  private volatile boolean inputShutdown;
  private volatile boolean outputShutdown;
  private ByteBuffer readBuffer; // guarded by readLock: the last array read into, wrapped
  private ByteBuffer writeBuffer; // guarded by writeLock: the last array written from, wrapped
  private Selector readSelector; // guarded by stateLock; used under readLock
  private Selector writeSelector; // guarded by stateLock; used under writeLock
  private volatile String capKey; // set once a cap slot is held

  /**
   * The connection this socket carries, once the idle check has seen it; read by the cap to evict
   * idle sockets.
   */
  volatile TrackedConnection tracker;

  ChannelSocket(SocketCap cap) throws IOException {
    super(
        (SocketImpl) null); // every method is overridden: the base class's own socket is never used
    this.cap = cap;
    this.channel = SocketChannel.open();
    try {
      channel.configureBlocking(false);
      channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /**
   * True when the peer has closed the connection (FIN or RST) or sent bytes nobody asked for, which
   * on an idle HTTP/1 connection means it is finished (a 408, a TLS close_notify). One non-blocking
   * read; a byte it reads is consumed, which does not matter as the connection is then discarded.
   * Call it only while no exchange uses the connection.
   */
  boolean peerClosedOrSentUnasked() {
    if (closed || inputShutdown) {
      return true;
    }
    synchronized (readLock) {
      probe.clear();
      try {
        return channel.read(probe) != 0;
      } catch (IOException e) {
        return true; // reset, or closed meanwhile
      }
    }
  }

  /**
   * The cap's key for this socket: the host and port it connected to; {@code null} before connect.
   */
  String capKey() {
    return capKey;
  }

  // ---- connect, bind and addresses ----

  @Override
  public void connect(SocketAddress endpoint) throws IOException {
    connect(endpoint, 0);
  }

  @Override
  public void connect(SocketAddress endpoint, int timeout) throws IOException {
    if (endpoint == null) {
      throw new IllegalArgumentException("connect: The address can't be null");
    }
    if (timeout < 0) {
      throw new IllegalArgumentException("connect: timeout can't be negative");
    }
    if (!(endpoint instanceof InetSocketAddress)) {
      throw new IllegalArgumentException("Unsupported address type");
    }
    InetSocketAddress address = (InetSocketAddress) endpoint;
    ensureOpen();
    if (connected) {
      throw new SocketException("already connected");
    }
    try {
      if (address.isUnresolved()) {
        throw new UnknownHostException(address.getHostName());
      }
      if (cap != null && capKey == null) {
        String key = address.getHostString() + ":" + address.getPort();
        cap.acquire(this, key); // before anything goes on the wire; may wait, evict or refuse
        capKey = key;
      }
      if (!channel.connect(address)) {
        long deadline =
            timeout > 0 ? System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeout) : 0;
        Selector selector = selector(true);
        SelectionKey key = channel.keyFor(selector);
        key.interestOps(SelectionKey.OP_CONNECT);
        try {
          synchronized (readLock) {
            while (!channel.finishConnect()) {
              await(selector, deadline, timeout > 0, "Connect timed out");
            }
          }
        } finally {
          if (key.isValid()) {
            key.interestOps(SelectionKey.OP_READ);
          }
        }
      }
      connected = true;
    } catch (ClosedChannelException e) {
      close();
      throw socketClosed();
    } catch (IOException | RuntimeException e) {
      close(); // as java.net.Socket does: a failed connect leaves nothing open
      throw e;
    }
  }

  @Override
  public void bind(SocketAddress bindpoint) throws IOException {
    ensureOpen();
    channel.bind(bindpoint);
  }

  @Override
  public InetAddress getInetAddress() {
    return channel.socket().getInetAddress();
  }

  @Override
  public InetAddress getLocalAddress() {
    return channel.socket().getLocalAddress();
  }

  @Override
  public int getPort() {
    return channel.socket().getPort();
  }

  @Override
  public int getLocalPort() {
    return channel.socket().getLocalPort();
  }

  @Override
  public SocketAddress getRemoteSocketAddress() {
    return channel.socket().getRemoteSocketAddress();
  }

  @Override
  public SocketAddress getLocalSocketAddress() {
    return channel.socket().getLocalSocketAddress();
  }

  /** Null, as for a plain socket: the channel is this socket's own and must stay non-blocking. */
  @Override
  public SocketChannel getChannel() {
    return null;
  }

  // ---- streams ----

  @Override
  public InputStream getInputStream() throws IOException {
    ensureOpen();
    if (!connected) {
      throw new SocketException("Socket is not connected");
    }
    if (inputShutdown) {
      throw new SocketException("Socket input is shutdown");
    }
    return in;
  }

  @Override
  public OutputStream getOutputStream() throws IOException {
    ensureOpen();
    if (!connected) {
      throw new SocketException("Socket is not connected");
    }
    if (outputShutdown) {
      throw new SocketException("Socket output is shutdown");
    }
    return out;
  }

  private int read(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) {
      return 0;
    }
    synchronized (readLock) {
      ByteBuffer buffer = readBuffer = wrap(readBuffer, b, off, len);
      int timeout = timeoutMillis;
      long deadline = timeout > 0 ? System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeout) : 0;
      Selector selector = null;
      while (true) {
        ensureOpen();
        if (inputShutdown) {
          return -1;
        }
        int n;
        try {
          n = channel.read(buffer);
        } catch (ClosedChannelException e) {
          throw socketClosed();
        }
        if (n != 0) {
          return n;
        }
        if (selector == null) {
          selector = selector(true);
        }
        await(selector, deadline, timeout > 0, "Read timed out");
      }
    }
  }

  private void write(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    synchronized (writeLock) {
      ByteBuffer buffer = writeBuffer = wrap(writeBuffer, b, off, len);
      Selector selector = null;
      while (buffer.hasRemaining()) {
        ensureOpen();
        if (outputShutdown) {
          throw new SocketException("Socket output is shutdown");
        }
        int n;
        try {
          n = channel.write(buffer);
        } catch (ClosedChannelException e) {
          throw socketClosed();
        }
        if (n == 0) {
          if (selector == null) {
            selector = selector(false);
          }
          await(selector, 0, false, null);
        }
      }
    }
  }

  /**
   * {@code b[off, off + len)} as a buffer: {@code last} again when it wraps the same array, as it
   * mostly does (TLS reads into its own record buffers, Okio recycles its segments), so a read or
   * write allocates nothing.
   */
  private static ByteBuffer wrap(ByteBuffer last, byte[] b, int off, int len) {
    if (last == null || last.array() != b) {
      return ByteBuffer.wrap(b, off, len);
    }
    last.limit(off + len).position(off);
    return last;
  }

  /** The selector for reads (and connect) or writes, opened and registered on first need. */
  private Selector selector(boolean forRead) throws IOException {
    synchronized (stateLock) {
      ensureOpen();
      Selector s = forRead ? readSelector : writeSelector;
      if (s == null) {
        s = Selector.open();
        try {
          channel.register(s, forRead ? SelectionKey.OP_READ : SelectionKey.OP_WRITE);
        } catch (ClosedChannelException e) {
          s.close();
          throw socketClosed();
        } catch (IOException | RuntimeException e) {
          s.close();
          throw e;
        }
        if (forRead) {
          readSelector = s;
        } else {
          writeSelector = s;
        }
      }
      return s;
    }
  }

  /** Waits until the channel may be ready, the deadline passes, or the socket is closed. */
  private void await(Selector selector, long deadline, boolean timed, String timeoutMessage)
      throws IOException {
    long millis = 0;
    if (timed) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new SocketTimeoutException(timeoutMessage);
      }
      millis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(left + 999_999));
    }
    // An interrupted thread would return from select at once and spin: keep the interrupt for
    // afterwards, as the JDK's own sockets ignore interrupts while blocked.
    boolean interrupted = Thread.interrupted();
    try {
      // The wait itself is what matters; the selected key is dropped. (The action form of select
      // would need a Consumer class of its own, loaded on every cold start.)
      selector.select(millis);
      selector.selectedKeys().clear();
    } catch (ClosedSelectorException e) {
      throw socketClosed();
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  // ---- options ----

  @Override
  public void setTcpNoDelay(boolean on) throws SocketException {
    setOpt(StandardSocketOptions.TCP_NODELAY, on);
  }

  @Override
  public boolean getTcpNoDelay() throws SocketException {
    return getOpt(StandardSocketOptions.TCP_NODELAY);
  }

  @Override
  public void setSoLinger(boolean on, int linger) throws SocketException {
    setOpt(StandardSocketOptions.SO_LINGER, on ? Math.max(0, Math.min(linger, 65535)) : -1);
  }

  @Override
  public int getSoLinger() throws SocketException {
    return getOpt(StandardSocketOptions.SO_LINGER);
  }

  @Override
  public void sendUrgentData(int data) throws IOException {
    throw new SocketException("Urgent data not supported");
  }

  @Override
  public void setOOBInline(boolean on) throws SocketException {
    channel.socket().setOOBInline(on);
  }

  @Override
  public boolean getOOBInline() throws SocketException {
    return channel.socket().getOOBInline();
  }

  @Override
  public void setSoTimeout(int timeout) throws SocketException {
    if (timeout < 0) {
      throw new IllegalArgumentException("timeout can't be negative");
    }
    ensureOpen();
    timeoutMillis = timeout;
  }

  @Override
  public int getSoTimeout() throws SocketException {
    ensureOpen();
    return timeoutMillis;
  }

  @Override
  public void setSendBufferSize(int size) throws SocketException {
    setOpt(StandardSocketOptions.SO_SNDBUF, size);
  }

  @Override
  public int getSendBufferSize() throws SocketException {
    return getOpt(StandardSocketOptions.SO_SNDBUF);
  }

  @Override
  public void setReceiveBufferSize(int size) throws SocketException {
    setOpt(StandardSocketOptions.SO_RCVBUF, size);
  }

  @Override
  public int getReceiveBufferSize() throws SocketException {
    return getOpt(StandardSocketOptions.SO_RCVBUF);
  }

  @Override
  public void setKeepAlive(boolean on) throws SocketException {
    setOpt(StandardSocketOptions.SO_KEEPALIVE, on);
  }

  @Override
  public boolean getKeepAlive() throws SocketException {
    return getOpt(StandardSocketOptions.SO_KEEPALIVE);
  }

  @Override
  public void setTrafficClass(int tc) throws SocketException {
    setOpt(StandardSocketOptions.IP_TOS, tc);
  }

  @Override
  public int getTrafficClass() throws SocketException {
    return getOpt(StandardSocketOptions.IP_TOS);
  }

  @Override
  public void setReuseAddress(boolean on) throws SocketException {
    setOpt(StandardSocketOptions.SO_REUSEADDR, on);
  }

  @Override
  public boolean getReuseAddress() throws SocketException {
    return getOpt(StandardSocketOptions.SO_REUSEADDR);
  }

  @Override
  public void setPerformancePreferences(int connectionTime, int latency, int bandwidth) {
    // As for the JDK's sockets: a hint with no effect.
  }

  @Override
  public <T> Socket setOption(SocketOption<T> name, T value) throws IOException {
    ensureOpen();
    channel.setOption(name, value);
    return this;
  }

  @Override
  public <T> T getOption(SocketOption<T> name) throws IOException {
    ensureOpen();
    return channel.getOption(name);
  }

  @Override
  public Set<SocketOption<?>> supportedOptions() {
    return channel.supportedOptions();
  }

  private <T> void setOpt(SocketOption<T> name, T value) throws SocketException {
    try {
      setOption(name, value);
    } catch (SocketException e) {
      throw e;
    } catch (IOException e) {
      throw asSocketException(e);
    }
  }

  private <T> T getOpt(SocketOption<T> name) throws SocketException {
    try {
      return getOption(name);
    } catch (SocketException e) {
      throw e;
    } catch (IOException e) {
      throw asSocketException(e);
    }
  }

  // ---- shutdown and close ----

  @Override
  public void shutdownInput() throws IOException {
    ensureOpen();
    if (inputShutdown) {
      throw new SocketException("Socket input is already shutdown");
    }
    channel.shutdownInput();
    inputShutdown = true;
  }

  @Override
  public void shutdownOutput() throws IOException {
    ensureOpen();
    if (outputShutdown) {
      throw new SocketException("Socket output is already shutdown");
    }
    channel.shutdownOutput();
    outputShutdown = true;
  }

  /**
   * Closes the channel and its selectors (waking any thread waiting in them) and gives the cap slot
   * back, once.
   */
  @Override
  public void close() throws IOException {
    Selector r;
    Selector w;
    synchronized (stateLock) {
      if (closed) {
        return;
      }
      closed = true;
      r = readSelector;
      w = writeSelector;
    }
    try {
      channel.close();
    } finally {
      try {
        // Closing a selector wakes a thread in select() on it and frees the channel's descriptor.
        closeQuietly(r);
        closeQuietly(w);
      } finally {
        if (cap != null && capKey != null) {
          cap.release(this);
        }
      }
    }
  }

  private static void closeQuietly(Selector selector) {
    if (selector != null) {
      try {
        selector.close();
      } catch (IOException e) {
        // Nothing to add: the socket is closed either way.
      }
    }
  }

  @Override
  public boolean isConnected() {
    return connected;
  }

  @Override
  public boolean isBound() {
    return channel.socket().isBound();
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  @Override
  public boolean isInputShutdown() {
    return inputShutdown;
  }

  @Override
  public boolean isOutputShutdown() {
    return outputShutdown;
  }

  @Override
  public String toString() {
    if (!connected) {
      return "ChannelSocket[unconnected]";
    }
    return "ChannelSocket[addr="
        + getInetAddress()
        + ",port="
        + getPort()
        + ",localport="
        + getLocalPort()
        + "]";
  }

  private void ensureOpen() throws SocketException {
    if (closed) {
      throw socketClosed();
    }
  }

  private static SocketException socketClosed() {
    return new SocketException("Socket closed");
  }

  private static SocketException asSocketException(IOException e) {
    SocketException s = new SocketException(e.getMessage());
    s.initCause(e);
    return s;
  }

  private final class In extends InputStream {
    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n > 0 ? one[0] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return ChannelSocket.this.read(b, off, len);
    }

    @Override
    public int available() throws IOException {
      ensureOpen();
      return inputShutdown ? 0 : channel.socket().getInputStream().available();
    }

    @Override
    public void close() throws IOException {
      ChannelSocket.this.close();
    }
  }

  private final class Out extends OutputStream {
    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      ChannelSocket.this.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      ChannelSocket.this.close();
    }
  }
}
