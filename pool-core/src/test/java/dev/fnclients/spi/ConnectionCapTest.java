package dev.fnclients.spi;

import static dev.fnclients.pool.TestSupport.awaitState;
import static dev.fnclients.pool.TestSupport.shutdownAndAwait;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.fnclients.pool.ConnectionCapExceededException;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.pool.TestSupport;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConnectionCapTest {
  private static final Duration LONG_WAIT = Duration.ofSeconds(10);

  private final TransportStats stats = new TransportStats("http");

  @Test
  void perHostCapRejectsTheNextCallerNamingTheHostAndTheVariable() throws Exception {
    ConnectionCap cap = new ConnectionCap(10, 2, Duration.ZERO, stats);
    cap.acquire("api.example.com:443");
    cap.acquire("api.example.com:443");

    Throwable thrown = catchThrowable(() -> cap.acquire("api.example.com:443"));

    assertThat(thrown).isInstanceOf(ConnectionCapExceededException.class);
    ConnectionCapExceededException e = (ConnectionCapExceededException) thrown;
    assertThat(e.cap()).isEqualTo("maxConnectionsPerHost");
    assertThat(e.limit()).isEqualTo(2);
    assertThat(e.host()).isEqualTo("api.example.com:443");
    assertThat(e.getMessage())
        .contains("api.example.com:443")
        .contains("FNCLIENTS_MAX_CONNECTIONS_PER_HOST");
    assertThat(cap.inUse("api.example.com:443")).isEqualTo(2);
    assertThat(cap.inUse()).isEqualTo(2);
    // Other hosts are not affected by one host's cap.
    assertThat(cap.acquire("other:443")).isNotNull();
  }

  @Test
  void totalCapAcrossHostsRejectsWithMaxConnectionsAndGivesBackThePerHostPermit() throws Exception {
    ConnectionCap cap = new ConnectionCap(2, 2, Duration.ZERO, stats);
    cap.acquire("a:443");
    cap.acquire("b:443");

    Throwable thrown = catchThrowable(() -> cap.acquire("c:443"));

    assertThat(thrown).isInstanceOf(ConnectionCapExceededException.class);
    ConnectionCapExceededException e = (ConnectionCapExceededException) thrown;
    assertThat(e.cap()).isEqualTo("maxConnections");
    assertThat(e.limit()).isEqualTo(2);
    assertThat(e.host()).isEqualTo("c:443");
    assertThat(e.getMessage()).contains("c:443").contains("FNCLIENTS_MAX_CONNECTIONS ");
    assertThat(cap.inUse("c:443")).as("the per-host permit taken first is given back").isZero();
    assertThat(cap.inUse()).isEqualTo(2);
  }

  @ParameterizedTest(name = "max={0} perHost={1} -> per-host limit {2}")
  @CsvSource({"10, 4, 4", "3, 8, 3", "5, 5, 5"})
  void perHostLimitIsClampedToTheTotal(int max, int perHost, int expected) {
    ConnectionCap cap = new ConnectionCap(max, perHost, Duration.ZERO, stats);

    assertThat(cap.maxPerHost()).isEqualTo(expected);
    assertThat(cap.maxTotal()).isEqualTo(max);
  }

  @Test
  void capOfConfigUsesItsLimitsAndWait() throws Exception {
    FnClientsConfig config =
        TestSupport.defaults()
            .maxConnections(3)
            .maxConnectionsPerHost(9)
            .capWait(Duration.ZERO)
            .build();
    ConnectionCap cap = ConnectionCap.of(config, stats);
    for (int i = 0; i < 3; i++) {
      cap.acquire("h");
    }

    assertThat(cap.maxPerHost()).isEqualTo(3);
    assertThat(catchThrowable(() -> cap.acquire("h")))
        .isInstanceOf(ConnectionCapExceededException.class);
  }

  @Test
  void zeroCapWaitRejectsAtOnceAndCountsAWaitAndARejection() throws Exception {
    ConnectionCap cap = new ConnectionCap(1, 1, Duration.ZERO, stats);
    cap.acquire("h");

    Throwable thrown = catchThrowable(() -> cap.acquire("h"));

    assertThat(thrown)
        .isInstanceOf(ConnectionCapExceededException.class)
        .hasMessageContaining("waited 0 ms");
    assertThat(stats.count(MetricNames.CAP_REJECTIONS)).isEqualTo(1);
    assertThat(stats.count(MetricNames.CAP_WAITS)).isEqualTo(1);
  }

  @Test
  void callWithLessTimeLeftThanCapWaitStopsWaitingAtItsDeadlineAndSaysSo() throws Exception {
    ConnectionCap cap = new ConnectionCap(1, 1, LONG_WAIT, stats);
    cap.acquire("h");

    Throwable thrown =
        catchThrowable(
            () ->
                cap.acquire(
                    "h",
                    Duration.ofMillis(20).toNanos(),
                    ConnectionCapExceededException.CALL_TIMEOUT));

    assertThat(thrown).isInstanceOf(ConnectionCapExceededException.class);
    ConnectionCapExceededException e = (ConnectionCapExceededException) thrown;
    assertThat(e.waitLimit()).isEqualTo(ConnectionCapExceededException.CALL_TIMEOUT);
    assertThat(e.getMessage()).contains("callTimeout").doesNotContain("(capWait)");
    assertThat(e.waited()).as("not the 10 s capWait").isLessThan(LONG_WAIT);
  }

  @Test
  void callWithNoTimeLeftIsRejectedAtOnceNamingTheCallsDeadline() throws Exception {
    ConnectionCap cap = new ConnectionCap(1, 1, LONG_WAIT, stats);
    cap.acquire("h");

    Throwable thrown =
        catchThrowable(() -> cap.acquire("h", 0, ConnectionCapExceededException.DEADLINE));

    assertThat(thrown).isInstanceOf(ConnectionCapExceededException.class);
    assertThat(((ConnectionCapExceededException) thrown).waitLimit())
        .isEqualTo(ConnectionCapExceededException.DEADLINE);
  }

  @Test
  void callWithMoreTimeLeftThanCapWaitIsEndedByCapWait() throws Exception {
    ConnectionCap cap = new ConnectionCap(1, 1, Duration.ZERO, stats);
    cap.acquire("h");

    Throwable thrown =
        catchThrowable(
            () ->
                cap.acquire("h", LONG_WAIT.toNanos(), ConnectionCapExceededException.CALL_TIMEOUT));

    assertThat(((ConnectionCapExceededException) thrown).waitLimit())
        .isEqualTo(ConnectionCapExceededException.CAP_WAIT);
    assertThat(thrown.getMessage()).contains("(capWait)");
  }

  @Test
  void freeCapCountsNeitherWaitsNorRejections() throws Exception {
    ConnectionCap cap = new ConnectionCap(4, 2, Duration.ZERO, stats);

    cap.acquire("h").close();
    cap.acquire("h").close();

    assertThat(stats.count(MetricNames.CAP_WAITS)).isZero();
    assertThat(stats.count(MetricNames.CAP_REJECTIONS)).isZero();
  }

  @Test
  void waiterGetsThePermitWhenAnotherIsClosedDuringItsWait() throws Exception {
    ConnectionCap cap = new ConnectionCap(1, 1, LONG_WAIT, stats);
    ConnectionCap.Permit held = cap.acquire("h");
    ExecutorService pool = Executors.newSingleThreadExecutor();
    AtomicReference<Thread> waiterThread = new AtomicReference<>();
    CountDownLatch waiting = new CountDownLatch(1);
    try {
      Future<ConnectionCap.Permit> waiter =
          pool.submit(
              () -> {
                waiterThread.set(Thread.currentThread());
                waiting.countDown();
                return cap.acquire("h");
              });
      assertThat(waiting.await(10, SECONDS)).isTrue();
      awaitState(waiterThread.get(), Thread.State.TIMED_WAITING); // parked at the full cap

      held.close();

      ConnectionCap.Permit got = waiter.get(10, SECONDS);
      assertThat(got.isReleased()).isFalse();
      assertThat(cap.inUse()).isEqualTo(1);
      assertThat(stats.count(MetricNames.CAP_WAITS)).isEqualTo(1);
      assertThat(stats.count(MetricNames.CAP_REJECTIONS)).isZero();
      got.close();
      assertThat(cap.inUse()).isZero();
    } finally {
      held.close();
      shutdownAndAwait(pool);
    }
  }

  @Test
  void closingAPermitTwiceReleasesItOnce() throws Exception {
    ConnectionCap cap = new ConnectionCap(3, 3, Duration.ZERO, stats);
    ConnectionCap.Permit first = cap.acquire("h");
    cap.acquire("h");
    assertThat(cap.inUse()).isEqualTo(2);

    first.close();
    first.close();
    first.close();

    assertThat(first.isReleased()).isTrue();
    assertThat(cap.inUse()).isEqualTo(1);
    assertThat(cap.inUse("h")).isEqualTo(1);
    // And the cap still holds at its limit: a double close did not mint an extra permit.
    cap.acquire("h");
    cap.acquire("h");
    assertThat(catchThrowable(() -> cap.acquire("h")))
        .isInstanceOf(ConnectionCapExceededException.class);
  }

  @Test
  void interruptWhileWaitingAtTheTotalCapThrowsInterruptedIoExceptionAndLeaksNoPermit()
      throws Exception {
    ConnectionCap cap = new ConnectionCap(1, 1, LONG_WAIT, stats);
    ConnectionCap.Permit held = cap.acquire("a");
    assertInterruptedWhileWaiting(cap, "b");

    assertThat(cap.inUse("b")).as("per-host permit of the interrupted caller given back").isZero();
    assertThat(cap.inUse()).isEqualTo(1);
    assertThat(stats.count(MetricNames.CAP_REJECTIONS)).isZero();
    held.close();
    assertThat(cap.inUse()).isZero();
    cap.acquire("b").close(); // b's cap is usable again
  }

  @Test
  void interruptWhileWaitingAtThePerHostCapThrowsInterruptedIoExceptionAndLeaksNoPermit()
      throws Exception {
    ConnectionCap cap = new ConnectionCap(5, 1, LONG_WAIT, stats);
    ConnectionCap.Permit held = cap.acquire("a");
    assertInterruptedWhileWaiting(cap, "a");

    assertThat(cap.inUse("a")).isEqualTo(1);
    assertThat(cap.inUse()).isEqualTo(1);
    held.close();
    assertThat(cap.inUse()).isZero();
    assertThat(cap.inUse("a")).isZero();
  }

  private static void assertInterruptedWhileWaiting(ConnectionCap cap, String host)
      throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    AtomicReference<Thread> waiterThread = new AtomicReference<>();
    CountDownLatch started = new CountDownLatch(1);
    try {
      Future<Throwable> waiter =
          pool.submit(
              () -> {
                waiterThread.set(Thread.currentThread());
                started.countDown();
                Throwable t = catchThrowable(() -> cap.acquire(host));
                // Report, then clear, the interrupt flag so the pool thread is reusable.
                return Thread.interrupted() ? t : new AssertionError("interrupt flag not kept", t);
              });
      assertThat(started.await(10, SECONDS)).isTrue();
      awaitState(waiterThread.get(), Thread.State.TIMED_WAITING);

      waiterThread.get().interrupt();

      assertThat(waiter.get(10, SECONDS))
          .isInstanceOf(InterruptedIOException.class)
          .hasMessageContaining(host);
    } finally {
      shutdownAndAwait(pool);
    }
  }

  @Test
  void permitsNeverExceedTheCapsAndNoneLeakUnderConcurrentUseWithFailures() throws Exception {
    int threads = 32;
    int cycles = 200;
    int maxTotal = 8;
    int maxPerHost = 4;
    List<String> hosts = List.of("h0:443", "h1:443", "h2:443");
    ConnectionCap cap = new ConnectionCap(maxTotal, maxPerHost, LONG_WAIT, stats);
    AtomicInteger held = new AtomicInteger();
    AtomicInteger highWater = new AtomicInteger();
    Map<String, AtomicInteger> heldPerHost = new ConcurrentHashMap<>();
    Map<String, AtomicInteger> highWaterPerHost = new ConcurrentHashMap<>();
    for (String h : hosts) {
      heldPerHost.put(h, new AtomicInteger());
      highWaterPerHost.put(h, new AtomicInteger());
    }
    AtomicInteger thrown = new AtomicInteger();
    CyclicBarrier start = new CyclicBarrier(threads);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        workers.add(
            pool.submit(
                () -> {
                  start.await(10, SECONDS);
                  ThreadLocalRandom random = ThreadLocalRandom.current();
                  for (int i = 0; i < cycles; i++) {
                    String host = hosts.get(random.nextInt(hosts.size()));
                    try (ConnectionCap.Permit permit = cap.acquire(host)) {
                      int now = held.incrementAndGet();
                      highWater.accumulateAndGet(now, Math::max);
                      int nowHost = heldPerHost.get(host).incrementAndGet();
                      highWaterPerHost.get(host).accumulateAndGet(nowHost, Math::max);
                      try {
                        if (random.nextInt(4) == 0) {
                          throw new IllegalStateException("request failed");
                        }
                        Thread.yield();
                      } finally {
                        heldPerHost.get(host).decrementAndGet();
                        held.decrementAndGet();
                      }
                    } catch (IllegalStateException expected) {
                      thrown.incrementAndGet();
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> worker : workers) {
        worker.get(30, SECONDS);
      }
    } finally {
      shutdownAndAwait(pool);
    }

    assertThat(thrown.get()).as("the random failures happened").isPositive();
    assertThat(cap.inUse()).isZero();
    for (String h : hosts) {
      assertThat(cap.inUse(h)).as(h).isZero();
      assertThat(highWaterPerHost.get(h).get()).as(h).isBetween(1, maxPerHost);
    }
    assertThat(highWater.get()).isBetween(1, maxTotal);
    assertThat(stats.count(MetricNames.CAP_REJECTIONS)).as("no one waited 10 s").isZero();
  }
}
