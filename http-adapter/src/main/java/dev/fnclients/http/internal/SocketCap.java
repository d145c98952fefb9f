package dev.fnclients.http.internal;

import dev.fnclients.pool.ConnectionCapExceededException;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.spi.ConnectionCap;
import dev.fnclients.spi.TransportStats;
import java.io.InterruptedIOException;
import java.net.Socket;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Caps the sockets open at once, in use and pooled alike: {@code maxConnections} in all and {@code
 * maxConnectionsPerHost} to one host and port (the address connected to, so a redirect's follow-up
 * counts against its own destination). A {@link ChannelSocket} takes a slot in {@code connect},
 * before anything goes on the wire, and gives it back when closed, whoever closes it.
 *
 * <p>When a cap is full, an idle pooled connection is closed to make room before anyone waits: for
 * the total, the longest idle to another host (or to this one); for one host, the longest idle to
 * that host. Only when none is idle does the connect wait, at most the smaller of {@code capWait}
 * and what is left of the call, for a socket to close or a connection to become idle, and then
 * fails with {@link ConnectionCapExceededException}.
 *
 * <p>Calls are admitted before this by the {@link ConnectionCap} (calls in flight, per origin and
 * in total), so that a caller waits for a busy connection to come free rather than closing one to
 * open another; this cap is what makes the bound on sockets hold whatever happens on the way
 * (pooled connections to other hosts, redirects, retries).
 */
final class SocketCap {
  private final int maxTotal;
  private final int maxPerHost;
  private final long waitNanos;
  private final TransportStats stats;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Set<ChannelSocket> open = ConcurrentHashMap.newKeySet();
  private final Map<String, Integer> perHost = new HashMap<>(); // guarded by lock
  private int total; // guarded by lock
  private long
      version; // guarded by lock; bumped whenever a slot frees or a connection becomes idle
  private volatile int waiters;

  SocketCap(int maxTotal, int maxPerHost, Duration wait, TransportStats stats) {
    this.maxTotal = maxTotal;
    this.maxPerHost = Math.min(maxPerHost, maxTotal);
    this.waitNanos = wait.toNanos();
    this.stats = Objects.requireNonNull(stats, "stats");
  }

  static SocketCap of(FnClientsConfig config, TransportStats stats) {
    return new SocketCap(
        config.maxConnections(), config.effectiveMaxConnectionsPerHost(), config.capWait(), stats);
  }

  /** Takes a slot for {@code socket}, about to connect to {@code key} ({@code host:port}). */
  void acquire(ChannelSocket socket, String key)
      throws ConnectionCapExceededException, InterruptedIOException {
    long start = System.nanoTime();
    CallState call = CallState.current();
    long nanosLeft = call == null ? ConnectionCap.NO_DEADLINE : call.nanosLeft();
    boolean deadlineFirst = nanosLeft < waitNanos;
    long wait =
        call != null && call.capWaitSpent ? 0 : Math.max(0, deadlineFirst ? nanosLeft : waitNanos);
    long end = start + wait;
    boolean waited = false;
    boolean counted = false;
    lock.lock();
    try {
      while (true) {
        String full = fullCap(key);
        if (full == null) {
          total++;
          Integer onHost = perHost.get(key); // get/put, not merge: no lambda spun on the first call
          perHost.put(key, onHost == null ? 1 : onHost + 1);
          open.add(socket);
          return;
        }
        if (!waited) {
          waited = true;
          waiters++; // counted before looking for idle connections, so none becoming idle is missed
        }
        long seen = version;
        lock.unlock();
        boolean evicted;
        try {
          evicted = evictIdle(full.equals("maxConnectionsPerHost") ? key : null, key);
        } finally {
          lock.lock();
        }
        if (evicted || version != seen) {
          continue;
        }
        long left = end - System.nanoTime();
        if (left <= 0) {
          if (call != null) {
            call.capWaitSpent = true;
          }
          stats.increment(MetricNames.CAP_REJECTIONS);
          throw new ConnectionCapExceededException(
              full,
              full.equals("maxConnections") ? maxTotal : maxPerHost,
              key,
              Duration.ofNanos(System.nanoTime() - start),
              deadlineFirst
                  ? ConnectionCapExceededException.CALL_TIMEOUT
                  : ConnectionCapExceededException.CAP_WAIT);
        }
        if (!counted) {
          counted = true;
          stats.increment(MetricNames.CAP_WAITS);
        }
        try {
          changed.awaitNanos(left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException(
              "interrupted while waiting at the connection cap for " + key);
        }
      }
    } finally {
      if (waited) {
        waiters--;
      }
      lock.unlock();
    }
  }

  /** The cap that is full for a new socket to {@code key}, or null. Holding the lock. */
  private String fullCap(String key) {
    if (perHost.getOrDefault(key, 0) >= maxPerHost) {
      return "maxConnectionsPerHost";
    }
    if (total >= maxTotal) {
      return "maxConnections";
    }
    return null;
  }

  /**
   * Closes the longest-idle connection that frees a slot: to {@code host} when that host's cap is
   * full, otherwise preferably to another host than {@code own}. True if one was closed.
   */
  private boolean evictIdle(String host, String own) {
    while (true) {
      TrackedConnection oldest = null;
      boolean oldestIsOwn = true;
      for (ChannelSocket socket : open) {
        TrackedConnection c = socket.tracker;
        if (c == null || !c.isIdle()) {
          continue;
        }
        String key = socket.capKey();
        if (host != null && !host.equals(key)) {
          continue;
        }
        boolean isOwn = own.equals(key);
        if (oldest == null
            || (oldestIsOwn && !isOwn)
            || (oldestIsOwn == isOwn && c.idleSince() - oldest.idleSince() < 0)) {
          oldest = c;
          oldestIsOwn = isOwn;
        }
      }
      if (oldest == null) {
        return false;
      }
      if (oldest.retireIfIdle()) {
        return true;
      }
      // It was taken meanwhile: look again.
    }
  }

  /** Gives {@code socket}'s slot back; called once, when it closes. */
  void release(ChannelSocket socket) {
    if (!open.remove(socket)) {
      return;
    }
    lock.lock();
    try {
      total--;
      Integer onHost = perHost.get(socket.capKey());
      if (onHost != null && onHost > 1) {
        perHost.put(socket.capKey(), onHost - 1);
      } else {
        perHost.remove(socket.capKey());
      }
      version++;
      if (waiters > 0) {
        changed.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /** A connection became idle: a waiter may now close it for its slot. */
  void connectionIdle() {
    if (waiters == 0) {
      return; // the common case: nobody waits, no lock taken
    }
    lock.lock();
    try {
      version++;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * The socket FnClients made under {@code socket} (itself, or the TCP socket under a TLS one), or
   * null.
   */
  ChannelSocket find(Socket socket) {
    if (socket instanceof ChannelSocket) {
      return (ChannelSocket) socket;
    }
    int localPort = socket.getLocalPort();
    Object remote = socket.getRemoteSocketAddress();
    for (ChannelSocket s : open) {
      if (s.getLocalPort() == localPort && Objects.equals(s.getRemoteSocketAddress(), remote)) {
        return s;
      }
    }
    return null;
  }

  /** Sockets holding a slot, all hosts. */
  int open() {
    lock.lock();
    try {
      return total;
    } finally {
      lock.unlock();
    }
  }

  /** Sockets holding a slot for {@code key} ({@code host:port}). */
  int open(String key) {
    lock.lock();
    try {
      return perHost.getOrDefault(key, 0);
    } finally {
      lock.unlock();
    }
  }
}
