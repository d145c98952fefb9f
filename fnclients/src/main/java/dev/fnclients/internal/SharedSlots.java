package dev.fnclients.internal;

import dev.fnclients.spi.ClientRegistry;
import dev.fnclients.spi.GracefulCloseable;
import dev.fnclients.spi.MetricsHub;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;

/**
 * One instance's shared slots: any client object (a Firestore or Spanner client, a Storage client,
 * a JDBC {@code DataSource}), built once from the factory the function gives and closed by the
 * shutdown hook. Needs no optional artifact.
 */
public final class SharedSlots implements GracefulCloseable {
  /** A slot's identity: a name and the type it holds. */
  record Key(String name, Class<?> type) {
    Key {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(type, "type");
    }
  }

  private final ClientRegistry<Key, Object> slots;

  public SharedSlots(MetricsHub metrics) {
    this.slots = new ClientRegistry<>("shared", SharedSlots::close, metrics.transport("shared"));
  }

  /**
   * The object in slot {@code name} of {@code type}, built by {@code factory} on first call.
   *
   * @throws ClassCastException when the factory built something that is not a {@code type}
   */
  public <T> T get(String name, Class<T> type, Supplier<? extends T> factory) {
    Objects.requireNonNull(factory, "factory");
    return type.cast(slots.get(new Key(name, type), key -> type.cast(factory.get())));
  }

  /**
   * Closes one slot's object: {@link AutoCloseable#close()} (GAPIC clients, Firestore, Spanner,
   * Storage, most connection pools), or shutdown for an {@link ExecutorService}; anything else is
   * left alone. The registry bounds it by the budget.
   */
  private static void close(Object value, Duration timeout) throws Exception {
    if (value instanceof AutoCloseable closeable) {
      closeable.close();
    } else if (value instanceof ExecutorService executor) {
      ExecutorSharingClients.shutdown(executor, timeout);
    }
  }

  @Override
  public void close(Duration timeout) {
    slots.close(timeout);
  }
}
