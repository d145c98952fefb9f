package dev.fnclients.spi;

import dev.fnclients.pool.ConnectionCapExceededException;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.MetricNames;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Caps the connections in use, per host and in total, with a bounded wait. Built on Resilience4j
 * semaphore {@link Bulkhead}s: one per host and one for all hosts.
 *
 * <p>A caller takes a {@link Permit} before it may use a connection and closes it when done; a
 * permit is released exactly once however often it is closed, so exceptions, cancellation and
 * timeouts cannot leak it.
 */
public final class ConnectionCap {
  private final int maxTotal;
  private final int maxPerHost;
  private final Duration wait;
  private final Bulkhead total;
  private final BulkheadRegistry perHost;
  private final TransportStats stats;

  public ConnectionCap(int maxTotal, int maxPerHost, Duration wait, TransportStats stats) {
    this.maxTotal = maxTotal;
    this.maxPerHost = Math.min(maxPerHost, maxTotal);
    this.wait = wait;
    this.stats = Objects.requireNonNull(stats, "stats");
    this.total = Bulkhead.of("total", config(maxTotal, wait));
    this.perHost = BulkheadRegistry.of(config(this.maxPerHost, wait));
  }

  /** The cap of {@code config}. */
  public static ConnectionCap of(FnClientsConfig config, TransportStats stats) {
    return new ConnectionCap(
        config.maxConnections(), config.effectiveMaxConnectionsPerHost(), config.capWait(), stats);
  }

  private static BulkheadConfig config(int limit, Duration wait) {
    return BulkheadConfig.custom().maxConcurrentCalls(limit).maxWaitDuration(wait).build();
  }

  /**
   * Takes a permit for a connection to {@code host}, waiting at most {@link FnClientsConfig#capWait()}
   * at each cap.
   *
   * @throws ConnectionCapExceededException when a cap stays full for the whole wait
   * @throws InterruptedIOException when the waiting thread is interrupted
   */
  public Permit acquire(String host) throws ConnectionCapExceededException, InterruptedIOException {
    Bulkhead hostBulkhead = perHost.bulkhead(host);
    acquire(hostBulkhead, "maxConnectionsPerHost", maxPerHost, host);
    try {
      acquire(total, "maxConnections", maxTotal, host);
    } catch (ConnectionCapExceededException | InterruptedIOException | RuntimeException e) {
      hostBulkhead.onComplete();
      throw e;
    }
    return new Permit(hostBulkhead, total);
  }

  private void acquire(Bulkhead bulkhead, String cap, int limit, String host)
      throws ConnectionCapExceededException, InterruptedIOException {
    if (bulkhead.getMetrics().getAvailableConcurrentCalls() == 0) {
      stats.increment(MetricNames.CAP_WAITS); // a hint for the metric only; the semaphore decides
    }
    long start = System.nanoTime();
    // Waits at most capWait; returns false, with the interrupt flag set, when interrupted.
    if (bulkhead.tryAcquirePermission()) {
      return;
    }
    if (Thread.currentThread().isInterrupted()) {
      throw new InterruptedIOException("interrupted while waiting at " + cap + " for " + host);
    }
    stats.increment(MetricNames.CAP_REJECTIONS);
    throw new ConnectionCapExceededException(cap, limit, host, Duration.ofNanos(System.nanoTime() - start));
  }

  /** Permits currently held across all hosts. */
  public int inUse() {
    return maxTotal - total.getMetrics().getAvailableConcurrentCalls();
  }

  /** Permits currently held for {@code host}. */
  public int inUse(String host) {
    return maxPerHost - perHost.bulkhead(host).getMetrics().getAvailableConcurrentCalls();
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
  public static final class Permit implements AutoCloseable {
    private final Bulkhead host;
    private final Bulkhead total;
    private final AtomicBoolean released = new AtomicBoolean();

    private Permit(Bulkhead host, Bulkhead total) {
      this.host = host;
      this.total = total;
    }

    /** True once the permit has been released. */
    public boolean isReleased() {
      return released.get();
    }

    @Override
    public void close() {
      if (released.compareAndSet(false, true)) {
        total.onComplete();
        host.onComplete();
      }
    }
  }
}
