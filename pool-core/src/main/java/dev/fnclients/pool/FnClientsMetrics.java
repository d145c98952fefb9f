package dev.fnclients.pool;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Exports every transport's {@link TransportStats} as Micrometer function counters named by
 * {@link MetricNames}. Bind it to any number of registries; counts are kept whether or not it is
 * bound.
 */
public final class FnClientsMetrics implements MeterBinder {
  private final List<TransportStats> transports = new CopyOnWriteArrayList<>();
  private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();

  /** Returns the stats of {@code transport}, created and bound to every registry on first use. */
  public synchronized TransportStats transport(String transport) {
    for (TransportStats stats : transports) {
      if (stats.transport().equals(transport)) {
        return stats;
      }
    }
    TransportStats stats = new TransportStats(transport);
    transports.add(stats);
    for (MeterRegistry registry : registries) {
      register(stats, registry);
    }
    return stats;
  }

  @Override
  public synchronized void bindTo(MeterRegistry registry) {
    if (registries.contains(registry)) {
      return;
    }
    registries.add(registry);
    for (TransportStats stats : transports) {
      register(stats, registry);
    }
  }

  private static void register(TransportStats stats, MeterRegistry registry) {
    for (MetricNames name : MetricNames.values()) {
      FunctionCounter.builder(name.meterName(), stats, s -> s.count(name))
          .description(name.description())
          .tags(Tags.of(name.tags()).and(MetricNames.TRANSPORT_TAG, stats.transport()))
          .register(registry);
    }
  }
}
