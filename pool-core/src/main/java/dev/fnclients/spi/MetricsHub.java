package dev.fnclients.spi;

import dev.fnclients.pool.FnClientsMetrics;
import dev.fnclients.pool.MetricNames;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The {@link FnClientsMetrics} of one set of clients: hands each transport its {@link
 * TransportStats} and exports them all as Micrometer function counters named by {@link
 * MetricNames}. Bind it to any number of registries; counts are kept whether or not it is bound.
 */
public final class MetricsHub implements FnClientsMetrics {
  private final List<TransportStats> transports = new CopyOnWriteArrayList<>();
  private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();
  private volatile boolean bound;
  // Created on first need, so that nothing of Micrometer's registries loads unless it is used.
  private Composite composite;

  /** Returns the stats of {@code transport}, created and bound to every registry on first use. */
  public synchronized TransportStats transport(String transport) {
    for (TransportStats stats : transports) {
      if (stats.transport().equals(transport)) {
        return stats;
      }
    }
    TransportStats stats = new TransportStats(transport, this);
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
    composite().add(registry);
    bound = true;
  }

  /** True once bound to at least one registry. */
  boolean isBound() {
    return bound;
  }

  /**
   * A composite of every registry bound, now or later: where transports register their own meters.
   */
  MeterRegistry registry() {
    return composite().registry();
  }

  private synchronized Composite composite() {
    if (composite == null) {
      composite = new Composite();
    }
    return composite;
  }

  /**
   * Holds the {@link CompositeMeterRegistry}. A class of its own because the JVM loads the types a
   * method converts between when it verifies the method's class: kept here, the composite's classes
   * load only when a transport registers a meter or a registry is bound.
   */
  private static final class Composite {
    private final CompositeMeterRegistry registry = new CompositeMeterRegistry();

    MeterRegistry registry() {
      return registry;
    }

    void add(MeterRegistry child) {
      registry.add(child);
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
