package dev.fnclients.spi;

import dev.fnclients.pool.MetricNames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;

/**
 * An instance-global, lazily filled map of clients: each is built on first use, exactly once
 * however many threads ask at the same moment. The build runs outside the map's lock (only the
 * callers of the same key wait for it), and a build that throws leaves nothing behind, so the next
 * call builds again instead of the instance staying broken.
 *
 * @param <K> the key, e.g. a normalized gRPC target or a topic name
 * @param <V> the client
 */
public final class ClientRegistry<K, V> implements GracefulCloseable {
  /** Closes one client within a time budget. */
  @FunctionalInterface
  public interface Closer<V> {
    void close(V client, Duration timeout) throws Exception;
  }

  private final String transport;
  private final Closer<? super V> closer;
  private final TransportStats stats;
  private final ConcurrentMap<K, Slot<V>> slots = new ConcurrentHashMap<>();
  private volatile boolean closed;

  public ClientRegistry(String transport, Closer<? super V> closer, TransportStats stats) {
    this.transport = Objects.requireNonNull(transport, "transport");
    this.closer = Objects.requireNonNull(closer, "closer");
    this.stats = Objects.requireNonNull(stats, "stats");
  }

  /**
   * Returns the client for {@code key}, building it with {@code factory} if this is the first call.
   *
   * @throws IllegalStateException after {@link #close(Duration)}
   */
  public V get(K key, Function<? super K, ? extends V> factory) {
    Objects.requireNonNull(key, "key");
    while (true) {
      checkOpen();
      Slot<V> slot = slots.get(key);
      if (slot == null) {
        // putIfAbsent rather than computeIfAbsent with a lambda: no class is spun on the first
        // call.
        Slot<V> fresh = new Slot<>();
        slot = slots.putIfAbsent(key, fresh);
        if (slot == null) {
          slot = fresh;
        }
      }
      V ready = slot.value;
      if (ready != null) {
        return ready;
      }
      try {
        V value = slot.get(factory, key);
        if (closed) {
          // Lost a race with close(): the value may have been built after the sweep.
          if (slot.claimClose()) {
            closeQuietly(value, Duration.ZERO);
          }
          checkOpen();
        }
        return value;
      } catch (SlotFailedException e) {
        slots.remove(key, slot);
        if (e.builtHere) {
          if (e.failure instanceof Error err) {
            throw err;
          }
          throw (RuntimeException) e.failure;
        }
        // Another caller's build failed while this one waited: try again with a fresh slot.
      }
    }
  }

  /** The client for {@code key} if it has been built. */
  public Optional<V> getIfPresent(K key) {
    Slot<V> slot = slots.get(key);
    return slot == null ? Optional.empty() : Optional.ofNullable(slot.value);
  }

  /** The number of clients built and not removed. */
  public int size() {
    int n = 0;
    for (Slot<V> slot : slots.values()) {
      if (slot.value != null) {
        n++;
      }
    }
    return n;
  }

  /** True after {@link #close(Duration)}. */
  public boolean isClosed() {
    return closed;
  }

  /** Closes every client built so far, concurrently, within {@code timeout}. Idempotent. */
  @Override
  public void close(Duration timeout) {
    closed = true;
    List<V> values = new ArrayList<>();
    for (K key : List.copyOf(slots.keySet())) {
      Slot<V> slot = slots.remove(key);
      if (slot != null && slot.value != null && slot.claimClose()) {
        values.add(slot.value);
      }
    }
    List<Runnable> closes = new ArrayList<>(values.size());
    for (V value : values) {
      closes.add(() -> closeQuietly(value, timeout));
    }
    Deadline.runAll(closes, timeout, "fnclients-close-" + transport);
  }

  private void closeQuietly(V value, Duration timeout) {
    try {
      closer.close(value, timeout);
    } catch (Exception e) {
      // Shutdown goes on for the other clients; the failure is not the caller's to handle.
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("FnClients " + transport + " clients are shut down");
    }
  }

  private final class Slot<T> {
    volatile T value;
    private boolean failed;
    private final java.util.concurrent.atomic.AtomicBoolean closing =
        new java.util.concurrent.atomic.AtomicBoolean();

    /** True for the one caller that is to close this slot's client. */
    boolean claimClose() {
      return closing.compareAndSet(false, true);
    }

    synchronized <K2> T get(Function<? super K2, ? extends T> factory, K2 key) {
      if (value != null) {
        return value;
      }
      if (failed) {
        throw new SlotFailedException(null, false);
      }
      try {
        T built = Objects.requireNonNull(factory.apply(key), "client factory returned null");
        stats.increment(MetricNames.CLIENTS_CREATED);
        value = built;
        return built;
      } catch (RuntimeException | Error e) {
        failed = true;
        throw new SlotFailedException(e, true);
      }
    }
  }

  private static final class SlotFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient Throwable failure;
    final boolean builtHere;

    SlotFailedException(Throwable failure, boolean builtHere) {
      super(null, null, false, false);
      this.failure = failure;
      this.builtHere = builtHere;
    }
  }
}
