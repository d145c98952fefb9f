package dev.fnclients.spi;

import static dev.fnclients.pool.TestSupport.awaitState;
import static dev.fnclients.pool.TestSupport.shutdownAndAwait;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class LifecycleTest {

  private final List<String> closed = new CopyOnWriteArrayList<>();

  private GracefulCloseable part(String name) {
    return timeout -> closed.add(name);
  }

  @Test
  void partsCloseInRegistrationOrder() {
    Lifecycle lifecycle = new Lifecycle(Duration.ofSeconds(5));
    for (String name : List.of("publisher", "channel", "http", "metrics")) {
      lifecycle.register(part(name));
    }

    assertThat(lifecycle.isShutDown()).isFalse();
    assertThat(lifecycle.shutdown()).isTrue();

    assertThat(closed).containsExactly("publisher", "channel", "http", "metrics");
    assertThat(lifecycle.isShutDown()).isTrue();
  }

  @Test
  void eachPartIsGivenAtMostTheWholeBudget() {
    Lifecycle lifecycle = new Lifecycle(Duration.ofSeconds(5));
    List<Duration> budgets = new CopyOnWriteArrayList<>();
    lifecycle.register(budgets::add);
    lifecycle.register(budgets::add);

    lifecycle.shutdown();

    assertThat(budgets)
        .hasSize(2)
        .allSatisfy(b -> assertThat(b).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(5)));
    assertThat(budgets.get(1))
        .as("the second part gets what is left")
        .isLessThanOrEqualTo(budgets.get(0));
    assertThat(lifecycle.timeout()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void shutdownIsIdempotentAndLaterCallsReturnTheFirstResult() {
    Lifecycle lifecycle = new Lifecycle(Duration.ofSeconds(5));
    AtomicInteger closes = new AtomicInteger();
    lifecycle.register(timeout -> closes.incrementAndGet());

    boolean first = lifecycle.shutdown();
    boolean second = lifecycle.shutdown();

    assertThat(first).isTrue();
    assertThat(second).isEqualTo(first);
    assertThat(closes).hasValue(1);
  }

  @Test
  void laterCallsRepeatAnUnsuccessfulFirstResultWithoutClosingAgain() {
    CountDownLatch never = new CountDownLatch(1);
    Lifecycle lifecycle = new Lifecycle(Duration.ofMillis(200));
    AtomicInteger closes = new AtomicInteger();
    lifecycle.register(
        timeout -> {
          closes.incrementAndGet();
          never.await(10, SECONDS);
        });
    try {
      assertThat(lifecycle.shutdown()).isFalse();
      assertThat(lifecycle.shutdown()).isFalse();
      assertThat(closes).hasValue(1);
    } finally {
      never.countDown();
    }
  }

  @Test
  void hangingPartDoesNotStopShutdownFromReturningAndLaterPartsStillGetClosed() throws Exception {
    Duration timeout = Duration.ofMillis(500);
    Lifecycle lifecycle = new Lifecycle(timeout);
    CountDownLatch hangs =
        new CountDownLatch(1); // released only in finally, to end the daemon thread
    CountDownLatch hangStarted = new CountDownLatch(1);
    CountDownLatch laterClosed = new CountDownLatch(1);
    AtomicReference<Duration> laterBudget = new AtomicReference<>();
    lifecycle.register(part("before"));
    lifecycle.register(
        t -> {
          hangStarted.countDown();
          hangs.await();
        });
    lifecycle.register(
        t -> {
          laterBudget.set(t);
          laterClosed.countDown();
        });
    try {
      long start = System.nanoTime();
      boolean inTime = lifecycle.shutdown();
      Duration took = Duration.ofNanos(System.nanoTime() - start);

      assertThat(inTime).isFalse();
      assertThat(took).as("bounded by the timeout, generously").isLessThan(timeout.plusSeconds(2));
      assertThat(hangStarted.getCount()).isZero();
      assertThat(laterClosed.await(10, SECONDS))
          .as("the part after the hanging one was closed")
          .isTrue();
      // The hanging part used the whole budget: the later part is told to close with what is left.
      assertThat(laterBudget.get()).isEqualTo(Duration.ZERO);
      assertThat(closed).containsExactly("before");
    } finally {
      hangs.countDown();
    }
  }

  @Test
  void partThatThrowsDoesNotPreventTheNextFromClosing() {
    Lifecycle lifecycle = new Lifecycle(Duration.ofSeconds(5));
    lifecycle.register(part("first"));
    lifecycle.register(
        timeout -> {
          closed.add("throws");
          throw new IllegalStateException("close failed");
        });
    lifecycle.register(
        timeout -> {
          closed.add("checked");
          throw new Exception("close failed");
        });
    lifecycle.register(part("last"));

    assertThat(lifecycle.shutdown()).as("a failed close still finished in time").isTrue();

    assertThat(closed).containsExactly("first", "throws", "checked", "last");
  }

  @Test
  void shutdownWithNothingRegisteredSucceeds() {
    Lifecycle lifecycle = new Lifecycle(Duration.ZERO);

    assertThat(lifecycle.shutdown()).isTrue();
    assertThat(lifecycle.isShutDown()).isTrue();
  }

  @Test
  void registeringNullIsRejected() {
    Lifecycle lifecycle = new Lifecycle(Duration.ofSeconds(1));

    assertThatThrownBy(() -> lifecycle.register(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void concurrentSecondShutdownWaitsForTheFirstAndReturnsItsResult() throws Exception {
    Lifecycle lifecycle = new Lifecycle(Duration.ofSeconds(10));
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger closes = new AtomicInteger();
    lifecycle.register(
        timeout -> {
          closes.incrementAndGet();
          started.countDown();
          release.await(10, SECONDS);
        });
    ExecutorService pool = Executors.newFixedThreadPool(2);
    Thread self = Thread.currentThread();
    try {
      Future<Boolean> first = pool.submit(lifecycle::shutdown);
      assertThat(started.await(10, SECONDS)).isTrue();
      // Let the first shutdown finish only once this thread is blocked in its own shutdown() call.
      pool.submit(
          () -> {
            awaitState(
                self, Thread.State.WAITING, Thread.State.TIMED_WAITING, Thread.State.BLOCKED);
            release.countDown();
            return null;
          });

      boolean second = lifecycle.shutdown();
      release.countDown();

      assertThat(first.get(10, SECONDS)).isTrue();
      assertThat(second).as("the first call's result").isTrue();
      assertThat(closes).hasValue(1);
    } finally {
      release.countDown();
      shutdownAndAwait(pool);
    }
  }
}
