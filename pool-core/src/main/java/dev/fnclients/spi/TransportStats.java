package dev.fnclients.spi;

import dev.fnclients.pool.MetricNames;

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

  public TransportStats(String transport) {
    this.transport = Objects.requireNonNull(transport, "transport");
    for (MetricNames name : MetricNames.values()) {
      counters.put(name, new LongAdder());
    }
  }

  /** The transport tag: {@code http}, {@code grpc} or {@code pubsub}. */
  public String transport() {
    return transport;
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
