package dev.fnclients.spi;

import static dev.fnclients.pool.TestSupport.awaitState;
import static dev.fnclients.pool.TestSupport.shutdownAndAwait;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fnclients.pool.MetricNames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ClientRegistryTest {

  /** A stand-in client with an identity and a name. */
  static final class Client {
    final String name;

    Client(String name) {
      this.name = name;
    }

    @Override
    public String toString() {
      return "Client(" + name + ")";
    }
  }

  private final TransportStats stats = new TransportStats("test");
  private final Map<Client, AtomicInteger> closes = new ConcurrentHashMap<>();
  private final ClientRegistry<String, Client> registry =
      new ClientRegistry<>(
          "test",
          (client, timeout) ->
              closes.computeIfAbsent(client, c -> new AtomicInteger()).incrementAndGet(),
          stats);

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(10, SECONDS)) {
        throw new IllegalStateException("latch not released within 10 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** An executor whose threads the test can inspect, to wait until they are really blocked. */
  private static ExecutorService recordingPool(int threads, List<Thread> into) {
    AtomicInteger n = new AtomicInteger();
    return Executors.newFixedThreadPool(
        threads,
        r -> {
          Thread t = new Thread(r, "registry-test-" + n.incrementAndGet());
          t.setDaemon(true);
          into.add(t);
          return t;
        });
  }

  @Test
  void exactlyOneBuildHappensUnder64ConcurrentFirstCallsAndAllCallersGetTheSameClient()
      throws Exception {
    int callers = 64;
    List<Thread> threads = new CopyOnWriteArrayList<>();
    ExecutorService pool = recordingPool(callers, threads);
    CyclicBarrier start = new CyclicBarrier(callers);
    CountDownLatch building = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger builds = new AtomicInteger();
    AtomicReference<Thread> builder = new AtomicReference<>();
    Function<String, Client> slowFactory =
        key -> {
          builds.incrementAndGet();
          builder.set(Thread.currentThread());
          building.countDown();
          await(release); // hold the build open so that every other caller overlaps it
          return new Client(key);
        };
    try {
      List<Future<Client>> results = new ArrayList<>();
      for (int i = 0; i < callers; i++) {
        results.add(
            pool.submit(
                () -> {
                  start.await(10, SECONDS);
                  return registry.get("k", slowFactory);
                }));
      }
      assertThat(building.await(10, SECONDS)).as("a build started").isTrue();
      // Every caller but the builder must be waiting on the build in progress before it finishes.
      for (Thread t : threads) {
        if (t != builder.get()) {
          awaitState(t, Thread.State.BLOCKED);
        }
      }
      release.countDown();

      Client first = results.get(0).get(10, SECONDS);
      for (Future<Client> result : results) {
        assertThat(result.get(10, SECONDS)).isSameAs(first);
      }
      assertThat(builds).hasValue(1);
      assertThat(stats.count(MetricNames.CLIENTS_CREATED)).isEqualTo(1);
      assertThat(registry.size()).isEqualTo(1);
      assertThat(registry.getIfPresent("k")).containsSame(first);
    } finally {
      release.countDown();
      shutdownAndAwait(pool);
    }
  }

  static Stream<Arguments> buildFailures() {
    return Stream.of(
        Arguments.of(
            "runtime exception",
            (Supplier<Client>)
                () -> {
                  throw new IllegalStateException("backend down");
                },
            IllegalStateException.class),
        Arguments.of(
            "error",
            (Supplier<Client>)
                () -> {
                  throw new ExceptionInInitializerError("static init failed");
                },
            ExceptionInInitializerError.class),
        Arguments.of("null client", (Supplier<Client>) () -> null, NullPointerException.class));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("buildFailures")
  void failedBuildIsThrownToItsCallerAndTheNextCallBuildsAgain(
      String kind, Supplier<Client> failingBuild, Class<? extends Throwable> expected) {
    AtomicInteger builds = new AtomicInteger();
    Function<String, Client> factory =
        key -> builds.incrementAndGet() == 1 ? failingBuild.get() : new Client(key);

    assertThatThrownBy(() -> registry.get("k", factory)).isInstanceOf(expected);
    assertThat(registry.getIfPresent("k")).isEmpty();
    assertThat(registry.size()).isZero();
    assertThat(stats.count(MetricNames.CLIENTS_CREATED)).isZero();

    Client client = registry.get("k", factory);

    assertThat(client.name).isEqualTo("k");
    assertThat(builds).hasValue(2);
    assertThat(registry.get("k", factory)).isSameAs(client);
    assertThat(builds).as("a good client is not rebuilt").hasValue(2);
    assertThat(stats.count(MetricNames.CLIENTS_CREATED)).isEqualTo(1);
  }

  @Test
  void failedBuildThrowsTheFactorysOwnExceptionInstance() {
    IllegalStateException boom = new IllegalStateException("boom");

    assertThatThrownBy(
            () ->
                registry.get(
                    "k",
                    key -> {
                      throw boom;
                    }))
        .isSameAs(boom);
  }

  @Test
  void callersWaitingOnABuildThatFailsRetryAndGetAClientInsteadOfTheBuildersException()
      throws Exception {
    int waiters = 8;
    List<Thread> threads = new CopyOnWriteArrayList<>();
    ExecutorService pool = recordingPool(waiters + 1, threads);
    CountDownLatch firstBuildStarted = new CountDownLatch(1);
    CountDownLatch failFirstBuild = new CountDownLatch(1);
    AtomicInteger builds = new AtomicInteger();
    RuntimeException boom = new IllegalStateException("first build fails");
    // The same factory for every caller, as in production: its first build fails (slowly, so the
    // other callers queue up behind it), later builds succeed.
    Function<String, Client> factory =
        key -> {
          int n = builds.incrementAndGet();
          if (n == 1) {
            firstBuildStarted.countDown();
            await(failFirstBuild);
            throw boom;
          }
          return new Client(key + "#" + n);
        };
    try {
      Future<Client> builderCall = pool.submit(() -> registry.get("k", factory));
      assertThat(firstBuildStarted.await(10, SECONDS)).isTrue();
      Thread builder = threads.get(0);

      List<Future<Client>> waiterCalls = new ArrayList<>();
      for (int i = 0; i < waiters; i++) {
        waiterCalls.add(pool.submit(() -> registry.get("k", factory)));
      }
      for (Thread t : threads) {
        if (t != builder) {
          awaitState(t, Thread.State.BLOCKED); // queued on the failing build
        }
      }
      failFirstBuild.countDown();

      assertThatThrownBy(() -> builderCall.get(10, SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isSameAs(boom);
      Client retried = waiterCalls.get(0).get(10, SECONDS);
      for (Future<Client> call : waiterCalls) {
        assertThat(call.get(10, SECONDS))
            .as("no waiter sees the builder's exception")
            .isSameAs(retried);
      }
      assertThat(retried.name).isEqualTo("k#2");
      assertThat(builds).as("one failed build, then exactly one good one").hasValue(2);
      assertThat(stats.count(MetricNames.CLIENTS_CREATED)).isEqualTo(1);
      assertThat(registry.getIfPresent("k")).containsSame(retried);
    } finally {
      failFirstBuild.countDown();
      shutdownAndAwait(pool);
    }
  }

  @Test
  void buildInProgressForOneKeyDoesNotBlockGetForAnotherKey() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    CountDownLatch aStarted = new CountDownLatch(1);
    CountDownLatch releaseA = new CountDownLatch(1);
    try {
      Future<Client> a =
          pool.submit(
              () ->
                  registry.get(
                      "a",
                      key -> {
                        aStarted.countDown();
                        await(releaseA);
                        return new Client(key);
                      }));
      assertThat(aStarted.await(10, SECONDS)).isTrue();

      Client b = registry.get("b", Client::new); // on this thread, while a's build is held open

      assertThat(b.name).isEqualTo("b");
      assertThat(a.isDone()).as("a is still building").isFalse();
      releaseA.countDown();
      assertThat(a.get(10, SECONDS).name).isEqualTo("a");
      assertThat(registry.size()).isEqualTo(2);
    } finally {
      releaseA.countDown();
      shutdownAndAwait(pool);
    }
  }

  @Test
  void closeClosesEveryBuiltClientExactlyOnceAndIsIdempotent() {
    List<Client> built = new ArrayList<>();
    for (String key : List.of("a", "b", "c")) {
      built.add(registry.get(key, Client::new));
    }
    assertThatThrownBy(
            () ->
                registry.get(
                    "broken",
                    key -> {
                      throw new IllegalStateException("never built");
                    }))
        .isInstanceOf(IllegalStateException.class);

    registry.close(Duration.ofSeconds(5));
    registry.close(Duration.ofSeconds(5));

    assertThat(closes).containsOnlyKeys(built.toArray(Client[]::new));
    assertThat(closes.values()).allSatisfy(n -> assertThat(n).hasValue(1));
    assertThat(registry.isClosed()).isTrue();
    assertThat(registry.size()).isZero();
  }

  @Test
  void closerThatThrowsForOneClientDoesNotKeepTheOthersOpen() {
    List<String> closed = new CopyOnWriteArrayList<>();
    ClientRegistry<String, Client> reg =
        new ClientRegistry<>(
            "test",
            (client, timeout) -> {
              closed.add(client.name);
              if (client.name.equals("b")) {
                throw new Exception("close failed");
              }
            },
            stats);
    for (String key : List.of("a", "b", "c")) {
      reg.get(key, Client::new);
    }

    reg.close(Duration.ofSeconds(5));

    assertThat(closed).containsExactlyInAnyOrder("a", "b", "c");
  }

  @Test
  void getAfterCloseThrowsIllegalStateException() {
    registry.get("a", Client::new);
    registry.close(Duration.ofSeconds(5));

    assertThatThrownBy(() -> registry.get("a", Client::new))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("test");
    assertThatThrownBy(() -> registry.get("new-key", Client::new))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void clientBuiltWhileCloseRunsIsClosedAndItsCallerGetsIllegalStateException() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicReference<Client> built = new AtomicReference<>();
    try {
      Future<Client> call =
          pool.submit(
              () ->
                  registry.get(
                      "late",
                      key -> {
                        started.countDown();
                        await(release);
                        built.set(new Client(key));
                        return built.get();
                      }));
      assertThat(started.await(10, SECONDS)).isTrue();

      registry.close(Duration.ofSeconds(5));
      release.countDown();

      assertThatThrownBy(() -> call.get(10, SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(IllegalStateException.class);
      assertThat(closes).containsOnlyKeys(built.get());
      assertThat(closes.get(built.get())).hasValue(1);
    } finally {
      release.countDown();
      shutdownAndAwait(pool);
    }
  }

  @Test
  void clientsCreatedCounterEqualsTheNumberOfBuilds() {
    AtomicInteger builds = new AtomicInteger();
    for (int round = 0; round < 3; round++) {
      for (int key = 0; key < 5; key++) {
        registry.get(
            "key-" + key,
            k -> {
              builds.incrementAndGet();
              return new Client(k);
            });
      }
    }

    assertThat(builds).hasValue(5);
    assertThat(stats.count(MetricNames.CLIENTS_CREATED)).isEqualTo(builds.get());
    assertThat(registry.size()).isEqualTo(5);
  }
}
