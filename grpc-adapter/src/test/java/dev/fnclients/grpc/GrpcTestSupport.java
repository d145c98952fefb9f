package dev.fnclients.grpc;

import dev.fnclients.grpc.spi.FnGrpc;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.Platform;
import io.grpc.ManagedChannel;
import java.time.Duration;

/** What the gRPC tests share: a fast-retrying configuration and channel clean-up. */
final class GrpcTestSupport {
  private GrpcTestSupport() {}

  static final GrpcConfig PLAINTEXT = GrpcConfig.custom().usePlaintext().build();

  static FnClientsConfig.Builder config() {
    return FnClientsConfig.custom()
        .platform(Platform.OTHER)
        .retryInitialBackoff(Duration.ofMillis(5))
        .retryMaxBackoff(Duration.ofMillis(20))
        .retryBudgetTokens(100);
  }

  static void close(ManagedChannel channel) {
    try {
      FnGrpc.close(channel, Duration.ofSeconds(2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
