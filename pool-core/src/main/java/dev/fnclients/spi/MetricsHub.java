package dev.fnclients.spi;

import dev.fnclients.pool.FnClientsMetrics;

import dev.fnclients.pool.MetricNames;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The {@link FnClientsMetrics} of one set of clients: hands each transport its {@link TransportStats}
 * and exports them all as Micrometer function counters named by {@link MetricNames}. Bind it to any
 * number of registries; counts are kept whether or not it is bound.
 */
public final class MetricsHub implements FnClientsMetrics {
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
  public long count(String transport, MetricNames counter) {
    for (TransportStats stats : transports) {
      if (stats.transport().equals(transport)) {
        return stats.count(counter);
      }
    }
    return 0;
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
