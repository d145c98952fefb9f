package dev.fnclients.testkit;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntPredicate;

/**
 * A loopback TCP proxy that behaves like a NAT gateway or serverless platform which silently
 * forgets connections idle for longer than a limit. The client finds out only when it reuses one:
 * by a reset, or by a request never answered. The proxy reproduces that moment deterministically,
 * so pool eviction, retry and timeout logic can be tested without waiting minutes for a real NAT.
 *
 * <p>Each client connection gets its own upstream connection (1:1), so the counters are also what
 * the server sees. A connection is idle when no byte moved either way for longer than {@link
 * #idleLimit()}; the check is made when the client sends again, as that is when a real client
 * discovers the loss. The written bytes are then never forwarded, the upstream socket is closed
 * (the server sees a platform-side reap), and the client gets what the {@link Mode} says. One
 * daemon thread accepts and each connection has one per direction, named {@code
 * idle-killing-proxy-<port>-...}: plain blocking sockets keep it simple to reason about.
 */
public final class IdleKillingProxy implements AutoCloseable {

  /** What happens to a connection that the client reuses after it has been idle too long. */
  public enum Mode {
    /** A TCP reset ({@code SO_LINGER 0}): the friendly failure, at once "connection reset". */
    RESET,
    /** The bytes vanish, nothing is answered, the socket stays open: only a read timeout helps. */
    DROP
  }

  private static final String HOST = "127.0.0.1";
  private static final int BUFFER_SIZE = 16 * 1024;
  private static final int UPSTREAM_CONNECT_TIMEOUT_MILLIS = 10_000;
  private static final long CLOSE_JOIN_NANOS = TimeUnit.SECONDS.toNanos(5);

  /** Sentinel for "never kill"; comparisons against it can never be true. */
  private static final long NEVER = Long.MAX_VALUE;

  private final InetSocketAddress upstream;
  private final ServerSocket listener;
  private final int port;
  private final String threadPrefix;

  private volatile long idleLimitNanos;
  private volatile Mode mode;
  private volatile boolean closed;

  private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
  private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
  private final AtomicInteger connectionIds = new AtomicInteger();

  private final AtomicInteger accepted = new AtomicInteger();
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicInteger maxOpen = new AtomicInteger();
  private final AtomicInteger killed = new AtomicInteger();
  private final AtomicLong forwarded = new AtomicLong();

  /** Signalled whenever a counter that someone may be awaiting changes. */
  private final Object countersChanged = new Object();

  private IdleKillingProxy(InetSocketAddress upstream, long idleLimitNanos, Mode mode)
      throws IOException {
    this.upstream = upstream;
    this.idleLimitNanos = idleLimitNanos;
    this.mode = mode;
    this.listener = new ServerSocket();
    try {
      listener.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0), 128);
    } catch (IOException e) {
      listener.close();
      throw e;
    }
    this.port = listener.getLocalPort();
    this.threadPrefix = "idle-killing-proxy-" + port;
    startThread(threadPrefix + "-accept", this::acceptLoop);
  }

  /**
   * Starts a proxy on an ephemeral {@code 127.0.0.1} port to {@code upstream}: reusing a connection
   * idle longer than {@code idleLimit} kills it as {@code mode} says (zero: any pause; too large
   * for nanoseconds: never).
   */
  public static IdleKillingProxy start(InetSocketAddress upstream, Duration idleLimit, Mode mode)
      throws IOException {
    Objects.requireNonNull(upstream, "upstream");
    Objects.requireNonNull(mode, "mode");
    return new IdleKillingProxy(upstream, toLimitNanos(idleLimit), mode);
  }

  /**
   * Starts a proxy that never kills anything: a way to count the connections a client really opens.
   */
  public static IdleKillingProxy start(InetSocketAddress upstream) throws IOException {
    Objects.requireNonNull(upstream, "upstream");
    return new IdleKillingProxy(upstream, NEVER, Mode.RESET);
  }

  /** Switches how idle connections are killed, from the next kill on, open connections included. */
  public void mode(Mode mode) {
    this.mode = Objects.requireNonNull(mode, "mode");
  }

  /** How the next kill is done. */
  public Mode mode() {
    return mode;
  }

  /**
   * Changes the idle limit, from the next client write on, open connections included; too large for
   * nanoseconds: never.
   */
  public void idleLimit(Duration limit) {
    this.idleLimitNanos = toLimitNanos(limit);
  }

  /** The idle limit, {@link ChronoUnit#FOREVER}'s duration when connections are never killed. */
  public Duration idleLimit() {
    long nanos = idleLimitNanos;
    return nanos == NEVER ? ChronoUnit.FOREVER.getDuration() : Duration.ofNanos(nanos);
  }

  /** The ephemeral loopback port the proxy listens on. */
  public int port() {
    return port;
  }

  /**
   * {@code "127.0.0.1"}: a literal keeps clients from resolving {@code localhost} to {@code ::1},
   * where nothing listens.
   */
  public String host() {
    return HOST;
  }

  /** The address clients should connect to. */
  public InetSocketAddress address() {
    return new InetSocketAddress(HOST, port);
  }

  /** {@code scheme://127.0.0.1:port}, without a trailing slash, for clients configured by URL. */
  public String url(String scheme) {
    return scheme + "://" + HOST + ":" + port;
  }

  /** Client connections accepted since start or the last {@link #resetCounters()}. */
  public int acceptedConnections() {
    return accepted.get();
  }

  /** Client connections open now, dropped connections the client still holds included. */
  public int openConnections() {
    return open.get();
  }

  /**
   * The exact high-water mark of {@link #openConnections()} since start or the last {@link
   * #resetCounters()}.
   */
  public int maxOpenConnections() {
    return maxOpen.get();
  }

  /** Connections killed, in either mode, because the client reused them after the idle limit. */
  public int killedConnections() {
    return killed.get();
  }

  /**
   * Bytes forwarded from clients to the upstream, not those swallowed by killed connections:
   * nothing leaked through.
   */
  public long forwardedBytes() {
    return forwarded.get();
  }

  /** The names of this proxy's threads still alive, for diagnosing leaks. */
  public List<String> liveThreadNames() {
    List<String> names = new ArrayList<>();
    for (Thread thread : threads) {
      if (thread.isAlive()) {
        names.add(thread.getName());
      }
    }
    return names;
  }

  /**
   * Zeroes the accepted, killed and byte counters and sets the high-water mark to the connections
   * open now.
   */
  public void resetCounters() {
    accepted.set(0);
    killed.set(0);
    forwarded.set(0);
    maxOpen.set(open.get());
  }

  /**
   * Waits until {@link #openConnections()} is {@code expected} (closing is asynchronous); false on
   * timeout.
   */
  public boolean awaitOpenConnections(int expected, Duration timeout) throws InterruptedException {
    return awaitCounter(open, n -> n == expected, timeout);
  }

  /** Closes every socket and waits a bounded time for the proxy's threads to end. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    closeQuietly(listener);
    for (Connection connection : connections) {
      connection.finish(Ending.GRACEFUL);
    }
    long deadline = System.nanoTime() + CLOSE_JOIN_NANOS;
    for (Thread thread : new ArrayList<>(threads)) {
      if (thread == Thread.currentThread()) {
        continue;
      }
      long remainingMillis = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (remainingMillis <= 0) {
        break;
      }
      try {
        thread.join(remainingMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
  }

  @Override
  public String toString() {
    return "IdleKillingProxy["
        + url("tcp")
        + " -> "
        + upstream
        + ", mode="
        + mode
        + ", idleLimit="
        + idleLimit()
        + ", open="
        + open.get()
        + ", killed="
        + killed.get()
        + "]";
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        // close() closed the listener, or the OS is in trouble: nothing useful left to do.
        return;
      }
      Connection connection = new Connection(connectionIds.incrementAndGet(), client);
      accepted.incrementAndGet();
      // Every increment's value folded into the max: an exact high-water mark without a lock.
      maxOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
      signalCountersChanged();
      connections.add(connection);
      if (closed) {
        // close() may have taken its snapshot before the add above.
        connection.finish(Ending.GRACEFUL);
        return;
      }
      try {
        startThread(threadPrefix + "-" + connection.id + "-up", connection::runClientToUpstream);
      } catch (RuntimeException | Error e) {
        connection.finish(Ending.ABORT);
        throw e;
      }
    }
  }

  private Thread startThread(String name, Runnable body) {
    Thread thread =
        new Thread(
            () -> {
              try {
                body.run();
              } finally {
                threads.remove(Thread.currentThread());
              }
            },
            name);
    thread.setDaemon(true);
    threads.add(thread);
    thread.start();
    return thread;
  }

  private boolean awaitCounter(AtomicInteger counter, IntPredicate done, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (countersChanged) {
      while (!done.test(counter.get())) {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(countersChanged, remaining);
      }
      return true;
    }
  }

  private void signalCountersChanged() {
    synchronized (countersChanged) {
      countersChanged.notifyAll();
    }
  }

  private static long toLimitNanos(Duration limit) {
    Objects.requireNonNull(limit, "idleLimit");
    if (limit.isNegative()) {
      throw new IllegalArgumentException("idleLimit must not be negative: " + limit);
    }
    try {
      return limit.toNanos();
    } catch (ArithmeticException tooLong) {
      return NEVER;
    }
  }

  private static void closeQuietly(Closeable closeable) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (IOException ignored) {
      // Closing is best effort: the socket is unusable afterwards either way.
    }
  }

  private static void resetQuietly(Socket socket) {
    if (socket == null) {
      return;
    }
    try {
      // Linger 0 turns close() into an RST, the signal a client gets from a forgotten NAT entry.
      socket.setSoLinger(true, 0);
    } catch (IOException ignored) {
      // Already closed: nothing left to reset.
    }
    closeQuietly(socket);
  }

  private enum State {
    LIVE,
    DROPPED,
    KILLED,
    FINISHED
  }

  /**
   * How a connection's two sockets are closed: GRACEFUL closes both; ABORT resets both, mirroring
   * an abnormal end; KILL resets only the client: the platform reaped it, the upstream sees it go
   * away.
   */
  private enum Ending {
    GRACEFUL,
    ABORT,
    KILL
  }

  /** One client connection and its upstream twin. */
  private final class Connection {
    final int id;
    final Socket client;
    volatile Socket upstreamSocket;
    final AtomicLong lastActivityNanos = new AtomicLong(System.nanoTime());
    final AtomicInteger endedDirections = new AtomicInteger();
    final AtomicBoolean finished = new AtomicBoolean();
    volatile State state = State.LIVE;

    /** Set by {@link #connectUpstream()}, used by the same thread only. */
    private OutputStream toUpstream;

    private InputStream fromClient;

    Connection(int id, Socket client) {
      this.id = id;
      this.client = client;
    }

    void runClientToUpstream() {
      if (connectUpstream()) {
        pump(fromClient, toUpstream, upstreamSocket, true);
      }
    }

    /**
     * Connects the upstream twin and starts the other direction; false when the connection ended
     * instead.
     */
    private boolean connectUpstream() {
      try {
        client.setTcpNoDelay(true);
        Socket up = new Socket();
        // Published before connecting so that close() can abort a connect in progress.
        upstreamSocket = up;
        if (finished.get()) {
          closeQuietly(up);
          return false;
        }
        up.setTcpNoDelay(true);
        up.connect(upstream, UPSTREAM_CONNECT_TIMEOUT_MILLIS);
        toUpstream = up.getOutputStream();
        fromClient = client.getInputStream();
        // The idle clock starts once the pair exists; a slow upstream connect is not idleness.
        lastActivityNanos.set(System.nanoTime());
        if (finished.get()) {
          return false;
        }
        startThread(threadPrefix + "-" + id + "-down", this::runUpstreamToClient);
        return true;
      } catch (IOException e) {
        // An unreachable upstream looks to the client like a refused connection would.
        finish(Ending.ABORT);
        return false;
      }
    }

    void runUpstreamToClient() {
      try {
        pump(upstreamSocket.getInputStream(), client.getOutputStream(), client, false);
      } catch (IOException e) {
        if (state == State.LIVE) {
          finish(Ending.ABORT);
        }
      }
    }

    /**
     * Copies one direction until either side ends. From the client, a write after the idle limit
     * kills the connection instead of being forwarded, and once dropped, what it sends is
     * swallowed.
     */
    private void pump(InputStream in, OutputStream out, Socket to, boolean fromClient) {
      byte[] buffer = new byte[BUFFER_SIZE];
      while (true) {
        int n;
        try {
          n = in.read(buffer);
        } catch (IOException e) {
          // Client reset or proxy close. After a kill the upstream was closed on purpose: the
          // client
          // must not notice; in DROP state the client failing is just the client giving up.
          if (state == State.LIVE) {
            finish(Ending.ABORT);
          } else if (fromClient) {
            finish(Ending.GRACEFUL);
          }
          return;
        }
        if (fromClient && state == State.DROPPED) {
          if (n < 0) {
            finish(Ending.GRACEFUL);
            return;
          }
          continue;
        }
        if (state != State.LIVE) {
          return;
        }
        if (n < 0) {
          try {
            to.shutdownOutput();
          } catch (IOException e) {
            finish(Ending.ABORT);
            return;
          }
          directionEnded();
          return;
        }
        if (fromClient && System.nanoTime() - lastActivityNanos.get() > idleLimitNanos) {
          if (mode == Mode.RESET) {
            killWithReset();
            return;
          }
          killWithDrop();
          continue;
        }
        // Counted before the write: the upstream's answer to these bytes may reach the client (and
        // a
        // test reading the count) before this thread runs again after write() returns.
        long counted = fromClient ? n : 0;
        forwarded.addAndGet(counted);
        try {
          out.write(buffer, 0, n);
        } catch (IOException e) {
          forwarded.addAndGet(-counted);
          finish(Ending.ABORT);
          return;
        }
        lastActivityNanos.set(System.nanoTime());
      }
    }

    private void directionEnded() {
      if (endedDirections.incrementAndGet() == 2) {
        finish(Ending.GRACEFUL);
      }
    }

    private void killWithReset() {
      synchronized (this) {
        if (state != State.LIVE) {
          return;
        }
        // Set under the lock so the other direction stops forwarding before the reset lands.
        state = State.KILLED;
        killed.incrementAndGet();
      }
      finish(Ending.KILL);
    }

    private void killWithDrop() {
      synchronized (this) {
        if (state != State.LIVE) {
          return;
        }
        // Set before closing upstream so the other direction treats its failure as expected.
        state = State.DROPPED;
        killed.incrementAndGet();
      }
      signalCountersChanged();
      closeQuietly(upstreamSocket);
    }

    /** Ends the connection exactly once, whichever thread notices first. */
    void finish(Ending ending) {
      if (!finished.compareAndSet(false, true)) {
        return;
      }
      synchronized (this) {
        state = State.FINISHED;
      }
      if (ending == Ending.GRACEFUL) {
        closeQuietly(client);
      } else {
        resetQuietly(client);
      }
      if (ending == Ending.ABORT) {
        resetQuietly(upstreamSocket);
      } else {
        closeQuietly(upstreamSocket);
      }
      connections.remove(this);
      open.decrementAndGet();
      signalCountersChanged();
    }
  }
}
