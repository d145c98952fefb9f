package dev.fnclients.testkit;

import com.google.common.util.concurrent.MoreExecutors;
import com.google.common.util.concurrent.ThreadFactoryBuilder;
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
 * A loopback TCP proxy that, like a NAT gateway, silently forgets connections idle longer than a
 * limit; a client reusing one gets what the {@link Mode} says (see the testkit README).
 */
public final class IdleKillingProxy implements AutoCloseable {

  /** What a client reusing a connection idle too long gets. */
  public enum Mode {
    /** A TCP reset ({@code SO_LINGER 0}): at once "connection reset". */
    RESET,
    /** Its bytes vanish, nothing answers, the socket stays open: only a read timeout helps. */
    DROP
  }

  private static final String HOST = "127.0.0.1";
  private static final long NEVER = Long.MAX_VALUE;

  private final InetSocketAddress upstream;
  private final Mode mode;
  private final ServerSocket listener;
  private final ExecutorService threads;
  private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
  private final AtomicInteger accepted = new AtomicInteger();
  private final AtomicInteger killed = new AtomicInteger();
  private final AtomicLong forwarded = new AtomicLong();
  private int open; // guarded by this, like maxOpen
  private int maxOpen;
  private volatile long idleLimitNanos;
  private volatile boolean closed;

  private IdleKillingProxy(InetSocketAddress upstream, Duration idleLimit, Mode mode)
      throws IOException {
    this.upstream = Objects.requireNonNull(upstream, "upstream");
    this.mode = Objects.requireNonNull(mode, "mode");
    idleLimit(idleLimit);
    this.listener = new ServerSocket(0, 128, InetAddress.getByName(HOST));
    this.threads =
        Executors.newCachedThreadPool(
            new ThreadFactoryBuilder()
                .setNameFormat("idle-killing-proxy-" + port() + "-%d")
                .setDaemon(true)
                .build());
    threads.execute(this::acceptLoop);
  }

  /**
   * Starts a proxy on an ephemeral {@code 127.0.0.1} port to {@code upstream}, killing connections
   * reused after {@code idleLimit} (zero: any pause; too large for nanoseconds: never).
   */
  public static IdleKillingProxy start(InetSocketAddress upstream, Duration idleLimit, Mode mode)
      throws IOException {
    return new IdleKillingProxy(upstream, idleLimit, mode);
  }

  /** Starts a proxy that never kills: a way to count the connections a client opens. */
  public static IdleKillingProxy start(InetSocketAddress upstream) throws IOException {
    return new IdleKillingProxy(upstream, Duration.ofNanos(NEVER), Mode.RESET);
  }

  /** Changes the idle limit from the next client write on, open connections included. */
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
    return listener.getLocalPort();
  }

  /** {@code "127.0.0.1"}: {@code localhost} may resolve to {@code ::1}, where nothing listens. */
  public String host() {
    return HOST;
  }

  public InetSocketAddress address() {
    return new InetSocketAddress(HOST, port());
  }

  /** {@code scheme://127.0.0.1:port}, without a trailing slash. */
  public String url(String scheme) {
    return scheme + "://" + HOST + ":" + port();
  }

  public int acceptedConnections() {
    return accepted.get();
  }

  /** Client connections open now, dropped ones the client still holds included. */
  public synchronized int openConnections() {
    return open;
  }

  /** The exact high-water mark of {@link #openConnections()}. */
  public synchronized int maxOpenConnections() {
    return maxOpen;
  }

  /** Connections killed, in either mode. */
  public int killedConnections() {
    return killed.get();
  }

  /** Bytes forwarded from clients upstream; killed connections' bytes are not. */
  public long forwardedBytes() {
    return forwarded.get();
  }

  /** Waits until {@link #openConnections()} is {@code expected}; false on timeout. */
  public synchronized boolean awaitOpenConnections(int expected, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (open != expected) {
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, remaining);
    }
    return true;
  }

  /** Closes every socket and waits a bounded time for the threads to end. Idempotent. */
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
    connections.forEach(c -> c.finish(false));
    MoreExecutors.shutdownAndAwaitTermination(threads, Duration.ofSeconds(5));
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return; // closed
      }
      accepted.incrementAndGet();
      countOpen(1);
      Connection connection = new Connection(client);
      connections.add(connection);
      try {
        if (closed) { // close() may have taken its snapshot before the add
          throw new RejectedExecutionException();
        }
        threads.execute(connection::run);
      } catch (RejectedExecutionException closing) {
        connection.finish(false);
        return;
      }
    }
  }

  private synchronized void countOpen(int delta) {
    open += delta;
    maxOpen = Math.max(maxOpen, open);
    notifyAll();
  }

  private static void close(Socket socket, boolean reset) {
    try {
      if (reset) {
        socket.setSoLinger(true, 0); // close() then sends an RST, as a forgotten NAT entry does
      }
      socket.close();
    } catch (IOException ignored) {
      // Unusable afterwards either way.
    }
  }

  private enum State {
    LIVE,
    DROPPED,
    DONE
  }

  /** One client connection and its upstream twin. */
  private final class Connection {
    final Socket client;
    final Socket up = new Socket(); // created first, so that close() can abort its connect
    final AtomicInteger halfClosed = new AtomicInteger();
    volatile long lastActivityNanos = System.nanoTime();
    volatile State state = State.LIVE;

    Connection(Socket client) {
      this.client = client;
    }

    void run() {
      try {
        client.setTcpNoDelay(true);
        up.setTcpNoDelay(true);
        up.connect(upstream, 10_000);
        lastActivityNanos = System.nanoTime(); // a slow connect is not idleness
        threads.execute(() -> pump(up, client, false));
      } catch (IOException | RejectedExecutionException e) {
        finish(true); // an unreachable upstream looks to the client like a refused connection
        return;
      }
      pump(client, up, true);
    }

    private void pump(Socket from, Socket to, boolean fromClient) {
      byte[] buffer = new byte[16 * 1024];
      while (true) {
        int n;
        try {
          n = from.getInputStream().read(buffer);
        } catch (IOException e) {
          // After a kill the upstream was closed on purpose; a dropped client failing gave up.
          State seen = state;
          if (seen == State.LIVE || fromClient) {
            finish(seen == State.LIVE);
          }
          return;
        }
        if (fromClient && state == State.DROPPED) {
          if (n < 0) {
            finish(false);
            return;
          }
          continue; // swallowed
        }
        if (state != State.LIVE) {
          return;
        }
        if (n < 0) {
          try {
            to.shutdownOutput();
            if (halfClosed.incrementAndGet() == 2) {
              finish(false);
            }
          } catch (IOException e) {
            finish(true);
          }
          return;
        }
        if (fromClient && System.nanoTime() - lastActivityNanos > idleLimitNanos) {
          kill(); // not forwarded; the next read swallows (DROP) or fails (RESET)
          continue;
        }
        // Counted before the write: the answer may reach a test reading the count before this
        // thread runs again.
        long counted = fromClient ? n : 0;
        forwarded.addAndGet(counted);
        try {
          to.getOutputStream().write(buffer, 0, n);
        } catch (IOException e) {
          forwarded.addAndGet(-counted);
          finish(true);
          return;
        }
        lastActivityNanos = System.nanoTime();
      }
    }

    private void kill() {
      synchronized (this) {
        if (state != State.LIVE) {
          return;
        }
        // Before any socket closes, so the other direction stops and expects its failure.
        state = mode == Mode.RESET ? State.DONE : State.DROPPED;
        killed.incrementAndGet();
      }
      if (mode == Mode.RESET) {
        release(true, false); // the platform reaped it: the upstream just sees it go away
      } else {
        close(up, false);
      }
    }

    /** Ends the connection once, whichever thread notices first; abort resets both sockets. */
    void finish(boolean abort) {
      synchronized (this) {
        if (state == State.DONE) {
          return;
        }
        state = State.DONE;
      }
      release(abort, abort);
    }

    private void release(boolean resetClient, boolean resetUpstream) {
      close(client, resetClient);
      close(up, resetUpstream);
      connections.remove(this);
      countOpen(-1);
    }
  }
}
