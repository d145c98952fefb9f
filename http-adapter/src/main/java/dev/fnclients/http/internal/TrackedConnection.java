package dev.fnclients.http.internal;

import dev.fnclients.pool.MetricNames;
import dev.fnclients.spi.IdlePolicy;
import dev.fnclients.spi.TransportStats;
import java.io.IOException;
import java.net.Socket;

/**
 * One connection as the idle check sees it: exchanges in flight, when it last became idle, and
 * whether it has been retired. A connection is retired, and its socket closed, when it is taken
 * after idling past its limit, when its peer turns out to have closed it, or when the connection
 * cap needs its slot while it sits idle; a call that took it from OkHttp's pool meanwhile is told
 * by a {@link StaleConnectionException} to go again on a fresh one.
 */
final class TrackedConnection {
  /**
   * The peer check is skipped for a connection whose last exchange ended less than this long ago: a
   * close the server sent since would, on a real network, still be on its way (the race the safe
   * retries are for), and back-to-back requests save the system call.
   */
  static final long PEER_CHECK_AFTER_NANOS = 1_000_000;

  private final IdlePolicy policy;
  private final TransportStats stats;
  private final SocketCap cap;
  private final Socket socket; // what OkHttp reads and writes: closing it ends the connection
  private final ChannelSocket channel; // the TCP socket under it, when FnClients made it; else null
  private final boolean checkPeer;
  private final boolean http1;
  private int inFlight;
  private boolean used;
  private boolean retired;
  private long idleSince;
  private long lastStart;
  private volatile boolean idle;
  private volatile long idleSinceForEviction;
  volatile long limitNanos;

  TrackedConnection(
      IdlePolicy policy,
      TransportStats stats,
      SocketCap cap,
      Socket socket,
      ChannelSocket channel,
      boolean checkPeer) {
    this.policy = policy;
    this.stats = stats;
    this.cap = cap;
    this.socket = socket;
    this.channel = channel;
    this.http1 = checkPeer;
    this.checkPeer = checkPeer && channel != null;
    this.limitNanos = policy.maxIdleNanos();
  }

  /**
   * Takes the connection for an exchange, before anything is written to it. A reused connection
   * that idled past its limit, or whose peer has closed it, is retired here instead.
   */
  synchronized void acquire() throws StaleConnectionException {
    long now = policy.now();
    if (!retired && inFlight == 0 && used) {
      // Idle age counts from the last exchange's start, not its end: an exchange in flight across
      // a freeze (its answer arrived while the instance was stopped, and was read after the thaw)
      // ends after the gap, and would hide it; the connection sat silent on the network meanwhile.
      if (IdlePolicy.isExpired(lastStart, now, limitNanos)) {
        retire(MetricNames.IDLE_EVICTIONS);
      } else if (checkPeer
          && now - idleSince >= PEER_CHECK_AFTER_NANOS
          && channel.peerClosedOrSentUnasked()) {
        retire(MetricNames.PEER_CLOSED_EVICTIONS);
      }
    }
    if (retired) {
      throw new StaleConnectionException("connection closed before the request was written to it");
    }
    if (used) {
      stats.increment(MetricNames.CONNECTIONS_REUSED);
    }
    used = true;
    inFlight++;
    idle = false;
    lastStart = now;
  }

  /** Ends an exchange; the connection's idle time starts when the last one ends. */
  void release() {
    synchronized (this) {
      if (inFlight == 0 || --inFlight > 0) {
        return;
      }
      idleSince = policy.now();
      idleSinceForEviction = idleSince;
      idle = !retired;
    }
    if (cap != null) {
      cap.connectionIdle(); // outside this lock: the cap takes its own, and evicting takes this one
    }
  }

  /** True while no exchange uses the connection: the cap may close it to make room. */
  boolean isIdle() {
    return idle;
  }

  /**
   * When the connection last became idle, by the policy's ticker; valid while {@link #isIdle()}.
   */
  long idleSince() {
    return idleSinceForEviction;
  }

  /**
   * Closes the connection if it is still idle, so that the cap can give its slot to another; true
   * if it did.
   */
  synchronized boolean retireIfIdle() {
    if (retired || inFlight > 0 || !used) {
      return false;
    }
    retire(MetricNames.CAP_EVICTIONS);
    return true;
  }

  /**
   * Closes the connection under an exchange whose response body the caller dropped unclosed. OkHttp
   * keeps such a connection allocated until it notices the leak (its pool's cleanup, which a
   * throttled instance may never run), and with it the socket's slot in the cap. HTTP/1 only: there
   * the unfinished exchange has the connection to itself, while an HTTP/2 connection carries other
   * calls' streams.
   */
  void closeLeaked() {
    if (!http1) {
      return;
    }
    synchronized (this) {
      retired = true;
      idle = false;
    }
    try {
      socket.close();
    } catch (IOException e) {
      // Already closed: just as good.
    }
  }

  private void retire(MetricNames reason) {
    retired = true;
    idle = false;
    stats.increment(reason);
    try {
      // With no exchange in flight this ends only this connection; OkHttp then drops it from its
      // pool.
      socket.close();
    } catch (IOException e) {
      // Already closed: just as good.
    }
  }
}
