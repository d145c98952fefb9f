package dev.fnclients.pool;

import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * FnClients' counters, as a Micrometer {@link MeterBinder}: every meter listed in {@link
 * MetricNames}, tagged {@code transport=http|grpc|pubsub}, and the Micrometer meters the transports
 * add (the OkHttp request timer, the gRPC client interceptor's meters, the Pub/Sub flush timer).
 * Bind it with {@code FnClients.metrics().bindTo(registry)}, to as many registries as you like, or
 * name one in {@link FnClientsConfig#meterRegistry()} to have it bound on first use. Counts are
 * kept whether or not it is bound.
 */
public interface FnClientsMetrics extends MeterBinder {
  /**
   * The count so far of {@code counter} for {@code transport} ({@code http}, {@code grpc} or {@code
   * pubsub}); 0 before the transport is used.
   */
  long count(String transport, MetricNames counter);
}
