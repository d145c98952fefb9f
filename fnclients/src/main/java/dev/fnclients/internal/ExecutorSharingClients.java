package dev.fnclients.internal;

import dev.fnclients.spi.ClientRegistry;
import dev.fnclients.spi.GracefulCloseable;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * A family of clients sharing one executor (the GAPIC clients, the Pub/Sub publishers): one client
 * per key, built once; the executor started with the first client; on close, every client first,
 * then the executor, since a client closing may still run its last callbacks on it (a callback
 * rejected by a closed executor must never reach a caller's future).
 */
final class ExecutorSharingClients<K, V> implements GracefulCloseable {
  private final ClientRegistry<K, V> clients;
  private final Supplier<ScheduledExecutorService> newExecutor;
  private ScheduledExecutorService executor;

  ExecutorSharingClients(
      ClientRegistry<K, V> clients, Supplier<ScheduledExecutorService> newExecutor) {
    this.clients = clients;
    this.newExecutor = newExecutor;
  }

  /**
   * The client for {@code key}, built by {@code factory} over the shared executor on first call.
   */
  V get(K key, BiFunction<? super K, ScheduledExecutorService, ? extends V> factory) {
    return clients.get(key, k -> factory.apply(k, executor()));
  }

  private synchronized ScheduledExecutorService executor() {
    if (executor == null) {
      executor = newExecutor.get();
    }
    return executor;
  }

  /** Closes the clients, then the executor they share, within {@code timeout}. */
  @Override
  public void close(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    clients.close(timeout);
    ScheduledExecutorService e;
    synchronized (this) {
      e = executor;
    }
    if (e != null) {
      shutdown(e, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    }
  }

  /**
   * Shuts {@code executor} down, waits up to {@code timeout} for its tasks, then interrupts them.
   */
  static void shutdown(ExecutorService executor, Duration timeout) throws InterruptedException {
    executor.shutdown();
    if (!executor.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
      executor.shutdownNow();
    }
  }
}
