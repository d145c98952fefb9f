package dev.fnclients.grpc.spi;

import dev.fnclients.grpc.GrpcConfig;
import dev.fnclients.grpc.internal.DefaultDeadlineInterceptor;
import dev.fnclients.grpc.internal.IdleResettingChannel;
import dev.fnclients.grpc.internal.InFlightCapInterceptor;
import dev.fnclients.grpc.internal.MeteredWhenRecording;
import dev.fnclients.grpc.internal.RetryCountingInterceptor;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.InvalidConfigurationException;
import dev.fnclients.spi.ConnectionCap;
import dev.fnclients.spi.IdlePolicy;
import dev.fnclients.spi.TransportStats;
import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Builds the gRPC channels FnClients shares, one per target. Use it through {@code
 * FnClients.grpc(target)}; this type is for embedding.
 *
 * <p>How a channel differs from a default {@code ManagedChannelBuilder.forTarget(target).build()}:
 *
 * <ul>
 *   <li>when a call starts on a channel on which no call started for longer than {@link
 *       FnClientsConfig#maxIdleAge()}, measured by wall clock on the caller's thread, the
 *       underlying channel is replaced by a fresh one (the old one is shut down gracefully, calls
 *       still in flight on it finishing there), so a frozen instance never sends into a dead
 *       connection;
 *   <li>a retry policy in the service config retries {@link GrpcConfig#retryableStatusCodes()}
 *       ({@code UNAVAILABLE}) with {@code retryMaxAttempts} (at most 5), exponential backoff, and
 *       retry throttling from {@code retryBudgetTokens} / {@code retryBudgetTokenRatio};
 *       transparent retries stay on;
 *   <li>calls without a deadline get {@link GrpcConfig#defaultDeadline()} (30 s by default);
 *   <li>keepalive pings stay off: they run on timers a throttled instance may not run, time out
 *       across freezes, and Google front ends answer pings more often than every ~30 s with GOAWAY
 *       {@code too_many_pings}; the wall-clock reset does their job. {@code idleTimeout} is set to
 *       the maximum idle age as a backstop for instances that are not throttled;
 *   <li>calls in flight are capped ({@link GrpcConfig#maxInFlightCalls()}), a call waiting at most
 *       {@link GrpcConfig#capWait()} for a free slot;
 *   <li>Micrometer's {@code MetricCollectingClientInterceptor} times every call once FnClients'
 *       metrics are bound to a registry (before that, it is left out of the call).
 * </ul>
 */
public final class FnGrpc {
  private FnGrpc() {}

  /**
   * The canonical form of {@code target}: a URI target is kept (scheme lowercased), a bare {@code
   * host:port} becomes {@code dns:///host:port}.
   *
   * @throws InvalidConfigurationException for an empty target
   */
  public static String normalizeTarget(String target) {
    if (target == null || target.isBlank()) {
      throw new InvalidConfigurationException(
          "target",
          "gRPC target must be host:port or a URI such as dns:///host:443, was '" + target + "'");
    }
    String t = target.trim();
    int scheme = t.indexOf("://");
    if (scheme > 0) {
      return t.substring(0, scheme).toLowerCase(Locale.ROOT) + t.substring(scheme);
    }
    if (t.startsWith("unix:")) {
      return t;
    }
    return "dns:///" + t.toLowerCase(Locale.ROOT);
  }

  /** A new channel to {@code target}; the caller owns it. */
  public static ManagedChannel newChannel(
      String target, GrpcConfig grpc, FnClientsConfig config, TransportStats stats) {
    String normalized = normalizeTarget(target);
    ChannelCredentials credentials =
        grpc.plaintext() ? InsecureChannelCredentials.create() : TlsChannelCredentials.create();
    Map<String, Object> serviceConfig = serviceConfig(grpc, config);
    Supplier<ManagedChannel> factory =
        () -> {
          ManagedChannelBuilder<?> builder =
              Grpc.newChannelBuilder(normalized, credentials)
                  .defaultServiceConfig(serviceConfig)
                  .enableRetry()
                  .maxRetryAttempts(5)
                  .idleTimeout(
                      Math.max(1000, config.maxIdleAge().toMillis()), TimeUnit.MILLISECONDS)
                  .keepAliveWithoutCalls(false);
          grpc.customizer().accept(builder);
          return builder.build();
        };

    return protect(factory, normalized, grpc, config, stats);
  }

  /**
   * Wraps channels that {@code factory} builds (the first one now, a fresh one after each idle gap)
   * in FnClients' protections: the idle reset, the default deadline, the in-flight cap and the call
   * metrics. For channels whose builder another library configures (a GAX channel configurator
   * hands over the builder it has set up); the builder's own service config, if any, is kept.
   *
   * @param target names the channel in cap messages
   */
  public static ManagedChannel protect(
      Supplier<ManagedChannel> factory,
      String target,
      GrpcConfig grpc,
      FnClientsConfig config,
      TransportStats stats) {
    Duration deadline =
        grpc.defaultDeadline() != null ? grpc.defaultDeadline() : config.callTimeout();
    Duration capWait = grpc.capWait() != null ? grpc.capWait() : config.capWait();
    ConnectionCap cap =
        new ConnectionCap(grpc.maxInFlightCalls(), grpc.maxInFlightCalls(), capWait, stats);
    // Shared by every underlying channel the idle reset builds; the last one listed runs first.
    ClientInterceptor[] interceptors = {
      new RetryCountingInterceptor(stats),
      new MeteredWhenRecording(stats),
      new InFlightCapInterceptor(cap, target),
      new DefaultDeadlineInterceptor(deadline)
    };
    return new IdleResettingChannel(
        factory,
        raw -> ClientInterceptors.intercept(raw, interceptors),
        IdlePolicy.of(config),
        stats);
  }

  /**
   * Shuts {@code channel} down, letting calls in flight finish for up to {@code timeout}, then
   * forcibly.
   */
  public static void close(ManagedChannel channel, Duration timeout) throws InterruptedException {
    channel.shutdown();
    if (!channel.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      channel.shutdownNow();
    }
  }

  /** The service config: a default method config with the retry policy, and retry throttling. */
  static Map<String, Object> serviceConfig(GrpcConfig grpc, FnClientsConfig config) {
    Map<String, Object> methodConfig = new LinkedHashMap<>();
    methodConfig.put("name", List.of(Map.of()));
    int attempts = Math.min(5, config.retryMaxAttempts());
    if (attempts >= 2
        && !grpc.retryableStatusCodes()
            .isEmpty()) { // gRPC rejects a policy of fewer than two attempts
      List<Object> codes = new ArrayList<>();
      for (Status.Code code : grpc.retryableStatusCodes()) {
        codes.add(code.name());
      }
      Map<String, Object> retryPolicy = new LinkedHashMap<>();
      retryPolicy.put("maxAttempts", (double) attempts);
      retryPolicy.put("initialBackoff", seconds(config.retryInitialBackoff()));
      retryPolicy.put("maxBackoff", seconds(config.effectiveRetryMaxBackoff()));
      retryPolicy.put("backoffMultiplier", 2.0);
      retryPolicy.put("retryableStatusCodes", codes);
      methodConfig.put("retryPolicy", retryPolicy);
    }
    Map<String, Object> serviceConfig = new LinkedHashMap<>();
    serviceConfig.put("methodConfig", List.of(methodConfig));
    serviceConfig.put(
        "retryThrottling",
        Map.of(
            "maxTokens",
            (double) config.retryBudgetTokens(),
            "tokenRatio",
            config.retryBudgetTokenRatio()));
    return serviceConfig;
  }

  private static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%d.%09ds", d.getSeconds(), d.getNano());
  }
}
