package dev.fnclients.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback TCP proxy that behaves like a NAT gateway or serverless platform which silently
 * forgets connections idle for longer than a limit. The client finds out only when it reuses one:
 * by a reset, or by a request never answered. The proxy reproduces that moment deterministically,
 * so pool eviction, retry and timeout logic can be tested without waiting minutes for a real NAT.
 *
 * <p>Each client connection gets its own upstream connection (1:1), so the counters are also what
 * the server sees. A connection is idle when no byte moved either way for longer than the limit;
 * the check is made when the client sends again, as that is when a real client discovers the loss.
 * The written bytes are then never forwarded, the upstream socket is closed (the server sees a
 * platform-side reap), and the client gets what the {@link Mode} says. One daemon thread accepts
 * and each connection has one per direction, named {@code idle-killing-proxy-<port>-N}: plain
 * blocking sockets keep it simple to reason about.
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
  private static final int UPSTREAM_CONNECT_TIMEOUT_MILLIS = 10_000;

  /** Sentinel for "never kill"; comparisons against it can never be true. */
  private static final long NEVER = Long.MAX_VALUE;

  private final InetSocketAddress upstream;
  private final Mode mode;
  private final ServerSocket listener;
  private final int port;
  private volatile long idleLimitNanos;
  private volatile boolean closed;

  private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
  private final ExecutorService threads;
  private final AtomicInteger accepted = new AtomicInteger();
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicInteger maxOpen = new AtomicInteger();
  private final AtomicInteger killed = new AtomicInteger();
  private final AtomicLong forwarded = new AtomicLong();

  private IdleKillingProxy(InetSocketAddress upstream, Duration idleLimit, Mode mode)
      throws IOException {
    this.upstream = Objects.requireNonNull(upstream, "upstream");
    this.mode = Objects.requireNonNull(mode, "mode");
    idleLimit(idleLimit);
    this.listener = new ServerSocket(0, 128, InetAddress.getByName(HOST));
    this.port = listener.getLocalPort();
    AtomicInteger ids = new AtomicInteger();
    this.threads =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "idle-killing-proxy-" + port + "-" + ids.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    threads.execute(this::acceptLoop);
  }

  /**
   * Starts a proxy on an ephemeral {@code 127.0.0.1} port to {@code upstream}: reusing a connection
   * idle longer than {@code idleLimit} kills it as {@code mode} says (zero: any pause; too large
   * for nanoseconds: never).
   */
  public static IdleKillingProxy start(InetSocketAddress upstream, Duration idleLimit, Mode mode)
      throws IOException {
    return new IdleKillingProxy(upstream, idleLimit, mode);
  }

  /**
   * Starts a proxy that never kills anything: a way to count the connections a client really opens.
   */
  public static IdleKillingProxy start(InetSocketAddress upstream) throws IOException {
    return new IdleKillingProxy(upstream, Duration.ofNanos(NEVER), Mode.RESET);
  }

  /**
   * Changes the idle limit, from the next client write on, open connections included; too large for
   * nanoseconds: never.
   */
  public void idleLimit(Duration limit) {
    if (Objects.requireNonNull(limit, "idleLimit").isNegative()) {
      throw new IllegalArgumentException("idleLimit must not be negative: " + limit);
    }
    try {
      idleLimitNanos = limit.toNanos();
    } catch (ArithmeticException tooLong) {
      idleLimitNanos = NEVER;
    }
  }

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

  public InetSocketAddress address() {
    return new InetSocketAddress(HOST, port);
  }

  /** {@code scheme://127.0.0.1:port}, without a trailing slash, for clients configured by URL. */
  public String url(String scheme) {
    return scheme + "://" + HOST + ":" + port;
  }

  public int acceptedConnections() {
    return accepted.get();
  }

  /** Client connections open now, dropped connections the client still holds included. */
  public int openConnections() {
    return open.get();
  }

  /** The exact high-water mark of {@link #openConnections()} since start. */
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

  /**
   * Waits until {@link #openConnections()} is {@code expected} (closing is asynchronous); false on
   * timeout.
   */
  public boolean awaitOpenConnections(int expected, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (open) {
      while (open.get() != expected) {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(open, remaining);
      }
      return true;
    }
  }

  /** Closes every socket and waits a bounded time for the proxy's threads to end. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      listener.close();
    } catch (IOException ignored) {
      // The accept loop ends either way.
    }
    connections.forEach(c -> c.finish(Ending.GRACEFUL));
    threads.shutdownNow();
    try {
      threads.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "IdleKillingProxy[" + url("tcp") + " -> " + upstream + ", " + mode + "]";
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
      Connection connection = new Connection(client);
      accepted.incrementAndGet();
      // Every increment's value folded into the max: an exact high-water mark without a lock.
      maxOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
      signalOpenChanged();
      connections.add(connection);
      if (closed) {
        // close() may have taken its snapshot before the add above.
        connection.finish(Ending.GRACEFUL);
        return;
      }
      try {
        threads.execute(connection::runClientToUpstream);
      } catch (RejectedExecutionException closing) {
        connection.finish(Ending.ABORT);
        return;
      }
    }
  }

  private void signalOpenChanged() {
    synchronized (open) {
      open.notifyAll();
    }
  }

  private static void close(Socket socket, boolean reset) {
    if (socket == null) {
      return;
    }
    try {
      if (reset) {
        // Linger 0 turns close() into an RST, the signal a client gets from a forgotten NAT entry.
        socket.setSoLinger(true, 0);
      }
      socket.close();
    } catch (IOException ignored) {
      // Best effort (or closed already): the socket is unusable afterwards either way.
    }
  }

  private enum State {
    LIVE,
    DROPPED,
    DONE
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
    final Socket client;
    volatile Socket upstreamSocket;
    final AtomicLong lastActivityNanos = new AtomicLong(System.nanoTime());
    final AtomicInteger endedDirections = new AtomicInteger();
    volatile State state = State.LIVE;

    Connection(Socket client) {
      this.client = client;
    }

    /** Connects the upstream twin, starts the other direction and pumps this one. */
    void runClientToUpstream() {
      Socket up = new Socket();
      try {
        client.setTcpNoDelay(true);
        // Published before connecting so that close() can abort a connect in progress.
        upstreamSocket = up;
        if (state == State.DONE) {
          close(up, false);
          return;
        }
        up.setTcpNoDelay(true);
        up.connect(upstream, UPSTREAM_CONNECT_TIMEOUT_MILLIS);
        // The idle clock starts once the pair exists; a slow upstream connect is not idleness.
        lastActivityNanos.set(System.nanoTime());
        if (state == State.DONE) {
          return;
        }
        threads.execute(() -> pump(up, client, false));
      } catch (IOException | RejectedExecutionException e) {
        // An unreachable upstream looks to the client like a refused connection would.
        finish(Ending.ABORT);
        return;
      }
      pump(client, up, true);
    }

    /**
     * Copies one direction until either side ends. From the client, a write after the idle limit
     * kills the connection instead of being forwarded, and once dropped, what it sends is
     * swallowed.
     */
    private void pump(Socket from, Socket to, boolean fromClient) {
      byte[] buffer = new byte[16 * 1024];
      while (true) {
        int n;
        try {
          n = from.getInputStream().read(buffer);
        } catch (IOException e) {
          // Client reset or proxy close. After a kill the upstream was closed on purpose: the
          // client must not notice; in DROP state the client failing is just the client giving up.
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
            if (endedDirections.incrementAndGet() == 2) {
              finish(Ending.GRACEFUL);
            }
          } catch (IOException e) {
            finish(Ending.ABORT);
          }
          return;
        }
        if (fromClient && System.nanoTime() - lastActivityNanos.get() > idleLimitNanos) {
          // These bytes are never forwarded; the next read swallows (DROP) or fails (RESET).
          kill();
          continue;
        }
        // Counted before the write: the upstream's answer to these bytes may reach the client (and
        // a test reading the count) before this thread runs again after write() returns.
        long counted = fromClient ? n : 0;
        forwarded.addAndGet(counted);
        try {
          to.getOutputStream().write(buffer, 0, n);
        } catch (IOException e) {
          forwarded.addAndGet(-counted);
          finish(Ending.ABORT);
          return;
        }
        lastActivityNanos.set(System.nanoTime());
      }
    }

    private void kill() {
      synchronized (this) {
        if (state != State.LIVE) {
          return;
        }
        // Set under the lock and before any socket closes, so the other direction stops
        // forwarding and treats its failure as expected.
        state = mode == Mode.RESET ? State.DONE : State.DROPPED;
        killed.incrementAndGet();
      }
      if (mode == Mode.RESET) {
        release(Ending.KILL);
      } else {
        close(upstreamSocket, false);
      }
    }

    /** Ends the connection exactly once, whichever thread notices first. */
    void finish(Ending ending) {
      synchronized (this) {
        if (state == State.DONE) {
          return;
        }
        state = State.DONE;
      }
      release(ending);
    }

    private void release(Ending ending) {
      close(client, ending != Ending.GRACEFUL);
      close(upstreamSocket, ending == Ending.ABORT);
      connections.remove(this);
      open.decrementAndGet();
      signalOpenChanged();
    }
  }
}
