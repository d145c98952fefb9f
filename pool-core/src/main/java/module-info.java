/**
 * FnClients' transport-free core. Users see {@code dev.fnclients.pool}: the configuration, the
 * platform defaults, metric names and the exceptions every transport throws. {@code
 * dev.fnclients.spi} is the machinery the transports share (client registry, connection cap, safe
 * retry, retry budget, DNS cache, idle policy, lifecycle, stats); it is exported only to FnClients'
 * own modules and is not for users.
 */
module dev.fnclients.core {
  requires transitive micrometer.core;
  requires io.github.resilience4j.core;
  requires transitive io.github.resilience4j.retry;

  exports dev.fnclients.pool;
  exports dev.fnclients.spi to
      dev.fnclients,
      dev.fnclients.http,
      dev.fnclients.grpc,
      dev.fnclients.pubsub,
      dev.fnclients.google;
}
