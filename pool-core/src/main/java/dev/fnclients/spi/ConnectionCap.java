package dev.fnclients.spi;

import dev.fnclients.pool.ConnectionCapExceededException;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.MetricNames;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * Caps the calls in flight, per host and in total, with a bounded wait: one fair semaphore per host
 * and one for all hosts. (Resilience4j's semaphore {@code Bulkhead}, used before, waits a fixed
 * {@code maxWaitDuration}; a call must never wait past its own deadline, so each wait here is the
 * smaller of {@code capWait} and the time the call has left.)
 *
 * <p>A caller takes a {@link Permit} before it may use a connection and closes it when done; a
 * permit is released exactly once however often it is closed, so exceptions, cancellation and
 * timeouts cannot leak it.
 */
public final class ConnectionCap {
  /** {@link #acquire(String, long, String)}'s {@code nanosLeft} for a call without a deadline. */
  public static final long NO_DEADLINE = Long.MAX_VALUE;

  private final int maxTotal;
  private final int maxPerHost;
  private final long waitNanos;
  private final Semaphore total;
  private final ConcurrentHashMap<String, Semaphore> perHost = new ConcurrentHashMap<>();
  private final TransportStats stats;

  public ConnectionCap(int maxTotal, int maxPerHost, Duration wait, TransportStats stats) {
    this.maxTotal = maxTotal;
    this.maxPerHost = Math.min(maxPerHost, maxTotal);
    this.waitNanos = wait.toNanos();
    this.stats = Objects.requireNonNull(stats, "stats");
    this.total = new Semaphore(maxTotal, true);
  }

  /** The cap of {@code config}. */
  public static ConnectionCap of(FnClientsConfig config, TransportStats stats) {
    return new ConnectionCap(
        config.maxConnections(), config.effectiveMaxConnectionsPerHost(), config.capWait(), stats);
  }

  /**
   * Takes a permit for a connection to {@code host}, waiting at most {@link
   * FnClientsConfig#capWait()} at the two caps together.
   *
   * @throws ConnectionCapExceededException when a cap stays full for the whole wait
   * @throws InterruptedIOException when the waiting thread is interrupted
   */
  public Permit acquire(String host) throws ConnectionCapExceededException, InterruptedIOException {
    return acquire(host, NO_DEADLINE, ConnectionCapExceededException.CAP_WAIT);
  }

  /**
   * Takes a permit for a connection to {@code host}, waiting at the two caps together at most the
   * smaller of {@code capWait} and {@code nanosLeft}, the time the call has left.
   *
   * @param nanosLeft time left before the call's deadline, or {@link #NO_DEADLINE}
   * @param deadlineName what to call the call's deadline when it ends the wait, e.g. {@link
   *     ConnectionCapExceededException#CALL_TIMEOUT}
   * @throws ConnectionCapExceededException when a cap stays full for the whole wait; its {@link
   *     ConnectionCapExceededException#waitLimit()} says which limit ended it
   * @throws InterruptedIOException when the waiting thread is interrupted
   */
  public Permit acquire(String host, long nanosLeft, String deadlineName)
      throws ConnectionCapExceededException, InterruptedIOException {
    long start = System.nanoTime();
    boolean deadlineFirst = nanosLeft < waitNanos;
    long end = start + Math.max(0, deadlineFirst ? nanosLeft : waitNanos);
    String limitName = deadlineFirst ? deadlineName : ConnectionCapExceededException.CAP_WAIT;
    Semaphore hostSemaphore = perHost.get(host);
    if (hostSemaphore == null) {
      // putIfAbsent rather than computeIfAbsent with a lambda: no class spun on the first call.
      Semaphore fresh = new Semaphore(maxPerHost, true);
      hostSemaphore = perHost.putIfAbsent(host, fresh);
      if (hostSemaphore == null) {
        hostSemaphore = fresh;
      }
    }
    acquire(hostSemaphore, "maxConnectionsPerHost", maxPerHost, host, start, end, limitName);
    try {
      acquire(total, "maxConnections", maxTotal, host, start, end, limitName);
    } catch (ConnectionCapExceededException | InterruptedIOException | RuntimeException e) {
      hostSemaphore.release();
      throw e;
    }
    return new Permit(hostSemaphore, total);
  }

  private void acquire(
      Semaphore semaphore,
      String cap,
      int limit,
      String host,
      long start,
      long end,
      String limitName)
      throws ConnectionCapExceededException, InterruptedIOException {
    if (semaphore.availablePermits() == 0) {
      stats.increment(MetricNames.CAP_WAITS); // a hint for the metric only; the semaphore decides
    }
    try {
      // Fair: a caller arriving now queues behind those already waiting, even for a free permit.
      if (semaphore.tryAcquire(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting at " + cap + " for " + host);
    }
    stats.increment(MetricNames.CAP_REJECTIONS);
    throw new ConnectionCapExceededException(
        cap, limit, host, Duration.ofNanos(System.nanoTime() - start), limitName);
  }

  /** Permits currently held across all hosts. */
  public int inUse() {
    return maxTotal - total.availablePermits();
  }

  /** Permits currently held for {@code host}. */
  public int inUse(String host) {
    Semaphore s = perHost.get(host);
    return s == null ? 0 : maxPerHost - s.availablePermits();
  }

  /** The total limit. */
  public int maxTotal() {
    return maxTotal;
  }

  /** The per-host limit. */
  public int maxPerHost() {
    return maxPerHost;
  }

  /** A held connection permit; {@link #close()} releases it exactly once. */
  public static final class Permit implements AutoCloseable, Runnable {
    private static final AtomicIntegerFieldUpdater<Permit> RELEASED =
        AtomicIntegerFieldUpdater.newUpdater(Permit.class, "released");
    private final Semaphore host;
    private final Semaphore total;
    private volatile int
        released; // 1 once released; a field, not an AtomicBoolean: one object per call less

    private Permit(Semaphore host, Semaphore total) {
      this.host = host;
      this.total = total;
    }

    /** True once the permit has been released. */
    public boolean isReleased() {
      return released != 0;
    }

    /** The same as {@link #close()}: a permit is its own release action, e.g. for a Cleaner. */
    @Override
    public void run() {
      close();
    }

    @Override
    public void close() {
      if (RELEASED.compareAndSet(this, 0, 1)) {
        total.release();
        host.release();
      }
    }
  }
}
