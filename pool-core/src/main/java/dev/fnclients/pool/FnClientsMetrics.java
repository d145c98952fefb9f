package dev.fnclients.pool;

import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * FnClients' counters, as a Micrometer {@link MeterBinder}: every meter listed in
 * {@link MetricNames}, tagged {@code transport=http|grpc|pubsub}. {@code FnClients} binds it to
 * {@link FnClientsConfig#meterRegistry()} on first use; bind it to another registry with
 * {@code FnClients.metrics().bindTo(registry)}. Counts are kept whether or not it is bound.
 */
public interface FnClientsMetrics extends MeterBinder {
  /** The count so far of {@code counter} for {@code transport} ({@code http}, {@code grpc} or {@code pubsub}); 0 before the transport is used. */
  long count(String transport, MetricNames counter);
}
