package dev.fnclients.spi;

import dev.fnclients.pool.MetricNames;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counts one transport records, readable directly and exported through {@link MetricsHub}.
 * Counting is a {@link LongAdder} increment, cheap enough for every request.
 */
public final class TransportStats {
  private final String transport;
  private final Map<MetricNames, LongAdder> counters = new EnumMap<>(MetricNames.class);

  private final MetricsHub hub;

  /** Stats of their own, bound to no registry (tests, embedding). */
  public TransportStats(String transport) {
    this(transport, new MetricsHub());
  }

  TransportStats(String transport, MetricsHub hub) {
    this.transport = Objects.requireNonNull(transport, "transport");
    this.hub = hub;
    for (MetricNames name : MetricNames.values()) {
      counters.put(name, new LongAdder());
    }
  }

  /** The transport tag: {@code http}, {@code grpc} or {@code pubsub}. */
  public String transport() {
    return transport;
  }

  /**
   * True once the metrics are bound to a registry: meters beyond these counters (request timers)
   * are worth their per-call cost only then. A volatile read.
   */
  public boolean recording() {
    return hub.isBound();
  }

  /**
   * Where a transport registers its own meters (timers, interceptor meters): a composite of every
   * registry the metrics are bound to, now or later.
   */
  public MeterRegistry registry() {
    return hub.registry();
  }

  /** Adds one to {@code counter}. */
  public void increment(MetricNames counter) {
    counters.get(counter).increment();
  }

  /** The count so far of {@code counter}. */
  public long count(MetricNames counter) {
    return counters.get(counter).sum();
  }

  @Override
  public String toString() {
    return transport + counters;
  }
}
