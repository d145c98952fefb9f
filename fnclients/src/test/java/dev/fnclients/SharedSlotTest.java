package dev.fnclients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fnclients.grpc.GrpcConfig;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.MetricNames;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * FnClients.shared: any object, built exactly once per instance, rebuilt after a failure, closed by
 * shutdown.
 */
class SharedSlotTest {
  private final FnClientsInstance runtime =
      FnClientsInstance.create(
          FnClientsConfig.custom().shutdownTimeout(Duration.ofSeconds(2)).build());

  /** A client of any kind that records whether it was closed. */
  static final class Pool implements AutoCloseable {
    final AtomicBoolean closed = new AtomicBoolean();
    volatile boolean channelOpenWhenClosed;
    ManagedChannel uses;

    @Override
    public void close() {
      channelOpenWhenClosed = uses != null && !uses.isShutdown();
      closed.set(true);
    }
  }

  @Test
  void concurrentFirstCallsBuildExactlyOneAndAFailedBuildIsRetried() throws Exception {
    AtomicInteger builds = new AtomicInteger();
    assertThatThrownBy(
            () ->
                runtime.shared(
                    "db",
                    Pool.class,
                    () -> {
                      builds.incrementAndGet();
                      throw new IllegalStateException("database not reachable yet");
                    }))
        .hasMessage("database not reachable yet");

    int threads = 24;
    CyclicBarrier start = new CyclicBarrier(threads);
    ExecutorService callers = Executors.newFixedThreadPool(threads);
    try {
      List<CompletableFuture<Pool>> pools = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        pools.add(
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    start.await();
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                  return runtime.shared(
                      "db",
                      Pool.class,
                      () -> {
                        builds.incrementAndGet();
                        return new Pool();
                      });
                },
                callers));
      }
      Pool first = pools.get(0).get(10, TimeUnit.SECONDS);
      for (CompletableFuture<Pool> p : pools) {
        assertThat(p.get(10, TimeUnit.SECONDS)).isSameAs(first);
      }
    } finally {
      callers.shutdownNow();
      runtime.shutdown();
    }
    assertThat(builds).as("one failed build, then exactly one").hasValue(2);
    assertThat(runtime.metrics().count("shared", MetricNames.CLIENTS_CREATED)).isEqualTo(1);
  }

  @Test
  void namesAndTypesKeepSlotsApart() {
    try {
      Pool a = runtime.shared("a", Pool.class, Pool::new);
      Pool b = runtime.shared("b", Pool.class, Pool::new);
      assertThat(a).isNotSameAs(b).isSameAs(runtime.shared("a", Pool.class, Pool::new));
      assertThatThrownBy(() -> runtime.shared("c", Pool.class, () -> (Pool) (Object) "not a pool"))
          .isInstanceOf(ClassCastException.class);
    } finally {
      runtime.shutdown();
    }
  }

  @Test
  void shutdownClosesSlotsBeforeTheChannelsTheyUseAndShutsExecutorsDown() {
    ManagedChannel channel =
        runtime.grpc("127.0.0.1:1", GrpcConfig.custom().usePlaintext().build());
    Pool pool =
        runtime.shared(
            "db",
            Pool.class,
            () -> {
              Pool p = new Pool();
              p.uses = channel;
              return p;
            });
    ExecutorService executor =
        runtime.shared("work", ExecutorService.class, Executors::newSingleThreadExecutor);

    assertThat(runtime.shutdown()).isTrue();

    assertThat(pool.closed).isTrue();
    assertThat(pool.channelOpenWhenClosed)
        .as("the channel was still open while the slot closed")
        .isTrue();
    assertThat(channel.isShutdown()).isTrue();
    assertThat(executor.isShutdown()).isTrue();
    assertThatThrownBy(() -> runtime.shared("db", Pool.class, Pool::new))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aCloseThatHangsIsLeftBehindWithinTheBudget() {
    runtime.shared("stuck", AutoCloseable.class, () -> () -> Thread.sleep(60_000));

    long start = System.nanoTime();
    boolean inTime = runtime.shutdown();
    long tookMillis = (System.nanoTime() - start) / 1_000_000;

    assertThat(inTime).isFalse();
    assertThat(tookMillis).as("shutdown budget 2 s").isLessThan(4_000);
  }
}
