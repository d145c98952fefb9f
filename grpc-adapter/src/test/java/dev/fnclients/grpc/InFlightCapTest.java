package dev.fnclients.grpc;

import static dev.fnclients.testkit.grpc.EchoGrpcServer.SLOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fnclients.grpc.spi.FnGrpc;
import dev.fnclients.pool.ConnectionCapExceededException;
import dev.fnclients.pool.InvalidConfigurationException;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.spi.TransportStats;
import dev.fnclients.testkit.grpc.EchoGrpcServer;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * At most maxInFlightCalls calls run at once; later callers wait capWait, then fail
 * RESOURCE_EXHAUSTED.
 */
class InFlightCapTest {
  private static final int CAP = 4;
  private final TransportStats stats = new TransportStats("grpc");
  private final ExecutorService callers = Executors.newFixedThreadPool(16);
  private EchoGrpcServer server;
  private ManagedChannel channel;

  @BeforeEach
  void setUp() throws Exception {
    server = EchoGrpcServer.start();
    channel =
        FnGrpc.newChannel(
            "127.0.0.1:" + server.port(),
            GrpcConfig.from(GrpcTestSupport.PLAINTEXT).maxInFlightCalls(CAP).build(),
            GrpcTestSupport.config().capWait(Duration.ofMillis(500)).build(),
            stats);
  }

  @AfterEach
  void tearDown() {
    callers.shutdownNow();
    GrpcTestSupport.close(channel);
    server.close();
  }

  @Test
  void callsBeyondTheCapAreRejectedAfterTheWaitAndTheServerNeverSeesMore() throws Exception {
    List<String> results = concurrently(12, "1200");

    assertThat(server.maxConcurrentSlowCalls()).isLessThanOrEqualTo(CAP);
    assertThat(results).filteredOn("ok"::equals).hasSize(CAP);
    assertThat(results)
        .filteredOn(r -> !r.equals("ok"))
        .hasSize(12 - CAP)
        .allSatisfy(
            r ->
                assertThat(r)
                    .startsWith("RESOURCE_EXHAUSTED")
                    .contains("maxInFlightCalls")
                    .contains("127.0.0.1:" + server.port())
                    .contains(ConnectionCapExceededException.class.getSimpleName()));
    assertThat(stats.count(MetricNames.CAP_REJECTIONS)).isEqualTo(12 - CAP);

    // No permit leaked: exactly CAP of CAP + 1 callers get through again.
    assertThat(concurrently(CAP + 1, "1200")).filteredOn("ok"::equals).hasSize(CAP);
  }

  @Test
  void aChannelWithNoCapWaitRejectsACallBeyondTheCapAtOnceInsteadOfBlockingItsThread()
      throws Exception {
    GrpcTestSupport.close(channel);
    channel =
        FnGrpc.newChannel(
            "127.0.0.1:" + server.port(),
            GrpcConfig.from(GrpcTestSupport.PLAINTEXT)
                .maxInFlightCalls(CAP)
                .capWait(Duration.ZERO)
                .build(),
            GrpcTestSupport.config().capWait(Duration.ofMillis(500)).build(),
            stats);

    List<String> results = concurrently(12, "1200");

    assertThat(results).filteredOn("ok"::equals).hasSize(CAP);
    assertThat(results)
        .filteredOn(r -> !r.equals("ok"))
        .hasSize(12 - CAP)
        .allSatisfy(r -> assertThat(r).startsWith("RESOURCE_EXHAUSTED").contains("waited 0 ms"));
  }

  @Test
  void capWaitOutsideItsRangeIsRefusedNamingTheRange() {
    assertThatThrownBy(() -> GrpcConfig.custom().capWait(Duration.ofMillis(-1)))
        .isInstanceOf(InvalidConfigurationException.class)
        .hasMessageContaining("capWait must be between 0s to 10m");
  }

  private List<String> concurrently(int n, String millis) throws Exception {
    CyclicBarrier start = new CyclicBarrier(n);
    List<CompletableFuture<String>> futures = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      futures.add(
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  start.await(10, TimeUnit.SECONDS);
                  return EchoGrpcServer.call(channel, SLOW, millis, CallOptions.DEFAULT);
                } catch (StatusRuntimeException e) {
                  Status s = e.getStatus();
                  return s.getCode()
                      + " "
                      + s.getDescription()
                      + " "
                      + (s.getCause() == null ? "" : s.getCause().getClass().getSimpleName());
                } catch (Exception e) {
                  return "error " + e;
                }
              },
              callers));
    }
    List<String> results = new ArrayList<>();
    for (CompletableFuture<String> f : futures) {
      results.add(f.get(30, TimeUnit.SECONDS));
    }
    return results;
  }
}
