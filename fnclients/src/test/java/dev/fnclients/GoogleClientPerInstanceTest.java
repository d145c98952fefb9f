package dev.fnclients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.api.gax.core.BackgroundResource;
import com.google.api.gax.core.ExecutorAsBackgroundResource;
import com.google.api.gax.core.FixedCredentialsProvider;
import com.google.api.gax.retrying.RetrySettings;
import com.google.api.gax.rpc.ClientSettings;
import com.google.api.gax.rpc.StatusCode;
import com.google.api.gax.rpc.UnavailableException;
import com.google.auth.Credentials;
import dev.fnclients.google.GoogleConfig;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.testkit.IdleKillingProxy;
import dev.fnclients.testkit.google.LoopbackGoogleServer;
import io.grpc.Status;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * GAPIC clients other than Pub/Sub (the real {@code google-cloud-secretmanager} and {@code
 * google-cloud-language}, each on its loopback server: {@link GapicKind}) through {@code
 * FnClients.google}: one client, one connection and a flat thread count over 1,000 invocations,
 * where a client built per invocation grows both; the client's own retries at one layer;
 * credentials and headers on every call.
 */
class GoogleClientPerInstanceTest {
  private static final java.lang.management.ThreadMXBean STARTED =
      java.lang.management.ManagementFactory.getThreadMXBean();

  private LoopbackGoogleServer server;
  private IdleKillingProxy counter;
  private FnClientsInstance runtime;

  @BeforeEach
  void setUp() {
    runtime = FnClientsInstance.create(FnClientsConfig.custom().build());
  }

  /** Starts {@code kind}'s server, with a proxy in front that counts the connections it sees. */
  private void serve(GapicKind kind) throws Exception {
    server = kind.startServer();
    counter = IdleKillingProxy.start(server.address());
  }

  @AfterEach
  void tearDown() {
    runtime.shutdown();
    if (counter != null) {
      counter.close();
      server.close();
    }
  }

  private GoogleConfig viaCounter() {
    return GoogleConfig.custom().emulatorHost(counter.host() + ":" + counter.port()).build();
  }

  @ParameterizedTest
  @EnumSource(GapicKind.class)
  void thousandInvocationsShareOneClientOneConnectionAndAFlatThreadCount(GapicKind kind)
      throws Exception {
    serve(kind);
    GoogleConfig options = viaCounter();
    int warmUp = 10;
    int invocations = 1000;
    long startedAfterWarmUp = 0;
    BackgroundResource first = null;
    for (int i = 0; i < invocations; i++) {
      BackgroundResource client = runtime.google(kind.client, null, options);
      first = first == null ? client : first;
      assertThat(client).isSameAs(first);
      assertThat(kind.invoke(client)).isEqualTo(kind.answer);
      if (i == warmUp) {
        startedAfterWarmUp = -STARTED.getTotalStartedThreadCount();
      }
    }

    assertThat(server.calls()).isEqualTo(invocations);
    assertThat(counter.acceptedConnections()).as("connections the server saw").isEqualTo(1);
    assertThat(runtime.metrics().count("google", MetricNames.CLIENTS_CREATED)).isEqualTo(1);
    assertThat(runtime.metrics().count("grpc", MetricNames.CLIENTS_CREATED))
        .as("channels")
        .isEqualTo(1);
    startedAfterWarmUp += STARTED.getTotalStartedThreadCount();
    // Threads started by anything in this JVM during the last 980 invocations: pools that start a
    // thread on demand may add a few; a client per invocation starts several each time.
    assertThat(startedAfterWarmUp).as("threads started after warm-up").isLessThanOrEqualTo(10);
  }

  @ParameterizedTest
  @EnumSource(GapicKind.class)
  void clientBuiltPerInvocationOpensAConnectionAndStartsThreadsEachTime(GapicKind kind)
      throws Exception {
    serve(kind);
    int invocations = 20; // enough to show the growth
    int threadsBefore = Thread.activeCount();
    List<BackgroundResource> leaked = new ArrayList<>();
    try {
      for (int i = 0; i < invocations; i++) {
        BackgroundResource client = kind.usual(counter.host() + ":" + counter.port());
        leaked.add(client); // the usual function code never closes it
        assertThat(kind.invoke(client)).isEqualTo(kind.answer);
      }

      assertThat(counter.acceptedConnections()).isEqualTo(invocations);
      assertThat(Thread.activeCount() - threadsBefore).isGreaterThanOrEqualTo(invocations);
    } finally {
      for (BackgroundResource client : leaked) {
        client.shutdownNow();
      }
    }
  }

  @ParameterizedTest
  @EnumSource(GapicKind.class)
  void theClientsCallsGoThroughTheSharedChannelsProtections(GapicKind kind) throws Exception {
    serve(kind);
    io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
        new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    runtime.metrics().bindTo(registry);

    kind.invoke(runtime.google(kind.client, null, viaCounter()));

    // Micrometer's call timer is one of the interceptors (with the default deadline and the
    // in-flight cap) that FnClients puts on the shared channel.
    assertThat(registry.find("grpc.client.processing.duration").timers())
        .anySatisfy(t -> assertThat(t.getId().getTag("method")).isEqualTo(kind.method));
  }

  @ParameterizedTest
  @EnumSource(GapicKind.class)
  void aCallAfterAnIdleGapGoesOnAFreshConnection(GapicKind kind) throws Exception {
    serve(kind);
    dev.fnclients.testkit.ManualClock clock = new dev.fnclients.testkit.ManualClock();
    FnClientsInstance throttled =
        FnClientsInstance.create(
            FnClientsConfig.custom()
                .maxIdleAge(Duration.ofSeconds(10))
                .ticker(clock::read)
                .build());
    try {
      BackgroundResource client = throttled.google(kind.client, null, viaCounter());
      assertThat(kind.invoke(client)).isEqualTo(kind.answer);
      clock.advance(Duration.ofSeconds(11));
      assertThat(kind.invoke(client)).isEqualTo(kind.answer);

      assertThat(throttled.metrics().count("grpc", MetricNames.IDLE_EVICTIONS)).isEqualTo(1);
      assertThat(counter.acceptedConnections()).isEqualTo(2);
    } finally {
      throttled.shutdown();
    }
  }

  @ParameterizedTest
  @EnumSource(GapicKind.class)
  void aFailureTheClientDoesNotRetryIsNotRetriedByTheChannelEither(GapicKind kind)
      throws Exception {
    serve(kind);
    server.failNext(1, Status.Code.UNAVAILABLE);
    Supplier<ClientSettings.Builder<?, ?>> noRetries =
        () -> {
          ClientSettings.Builder<?, ?> b = kind.settings();
          kind.callSettings(b).setRetryableCodes();
          return b;
        };
    BackgroundResource client = runtime.google(kind.client, noRetries, viaCounter());

    assertThatThrownBy(() -> kind.invoke(client)).isInstanceOf(UnavailableException.class);
    assertThat(server.calls()).as("attempts the server saw").isEqualTo(1);
    assertThat(runtime.metrics().count("grpc", MetricNames.RETRIES)).isZero();
  }

  @ParameterizedTest
  @EnumSource(GapicKind.class)
  void theClientsOwnRetrySettingsAreKept(GapicKind kind) throws Exception {
    serve(kind);
    server.failNext(2, Status.Code.UNAVAILABLE);
    Supplier<ClientSettings.Builder<?, ?>> twoAttempts =
        () -> {
          ClientSettings.Builder<?, ?> b = kind.settings();
          kind.callSettings(b)
              .setRetryableCodes(StatusCode.Code.UNAVAILABLE)
              .setRetrySettings(
                  RetrySettings.newBuilder()
                      .setMaxAttempts(2)
                      .setInitialRetryDelayDuration(Duration.ofMillis(10))
                      .setMaxRetryDelayDuration(Duration.ofMillis(10))
                      .setInitialRpcTimeoutDuration(Duration.ofSeconds(5))
                      .setMaxRpcTimeoutDuration(Duration.ofSeconds(5))
                      .setTotalTimeoutDuration(Duration.ofSeconds(10))
                      .build());
          return b;
        };
    BackgroundResource client = runtime.google(kind.client, twoAttempts, viaCounter());

    // The library's default (retries on UNAVAILABLE for 60 s) would succeed on the third attempt.
    assertThatThrownBy(() -> kind.invoke(client)).isInstanceOf(UnavailableException.class);
    assertThat(server.calls()).isEqualTo(2);
    assertThat(kind.invoke(client)).isEqualTo(kind.answer);
  }

  @ParameterizedTest
  @EnumSource(GapicKind.class)
  void givenCredentialsAndTheClientsHeadersReachTheServerOnEveryCall(GapicKind kind)
      throws Exception {
    serve(kind);
    AtomicInteger tokens = new AtomicInteger();
    GoogleConfig options =
        GoogleConfig.from(viaCounter())
            .credentialsProvider(FixedCredentialsProvider.create(new TestToken(tokens)))
            .build();
    BackgroundResource client = runtime.google(kind.client, null, options);

    for (int i = 0; i < 3; i++) {
      kind.invoke(client);
    }

    assertThat(server.authorizations())
        .containsExactly("Bearer test-token", "Bearer test-token", "Bearer test-token");
    assertThat(tokens).as("credentials asked per call").hasValueGreaterThanOrEqualTo(3);
    assertThat(server.apiClientHeaders())
        .allSatisfy(h -> assertThat(h).contains("gapic/").contains("gax/").contains("grpc/"));
  }

  @ParameterizedTest
  @EnumSource(GapicKind.class)
  void anEmulatorGetsNoCredentialsByDefault(GapicKind kind) throws Exception {
    serve(kind);
    kind.invoke(runtime.google(kind.client, null, viaCounter()));

    assertThat(server.authorizations()).containsExactly("null");
  }

  @ParameterizedTest
  @EnumSource(GapicKind.class)
  void concurrentFirstCallsBuildExactlyOneClientAndAFailedBuildIsRetried(GapicKind kind)
      throws Exception {
    serve(kind);
    AtomicInteger builds = new AtomicInteger();
    Supplier<ClientSettings.Builder<?, ?>> failsOnce =
        () -> {
          if (builds.incrementAndGet() == 1) {
            throw new IllegalStateException("no settings yet");
          }
          return kind.settings();
        };
    GoogleConfig options = viaCounter();
    assertThatThrownBy(() -> runtime.google(kind.client, failsOnce, options))
        .hasMessage("no settings yet");

    int threads = 16;
    CyclicBarrier start = new CyclicBarrier(threads);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<CompletableFuture<BackgroundResource>> clients = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        clients.add(
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    start.await();
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                  return runtime.google(kind.client, failsOnce, options);
                },
                pool));
      }
      BackgroundResource first = clients.get(0).get(20, TimeUnit.SECONDS);
      for (CompletableFuture<BackgroundResource> c : clients) {
        assertThat(c.get(20, TimeUnit.SECONDS)).isSameAs(first);
      }
      assertThat(kind.invoke(first)).isEqualTo(kind.answer);
    } finally {
      pool.shutdownNow();
    }
    assertThat(builds).as("one failed build, then exactly one").hasValue(2);
    assertThat(runtime.metrics().count("google", MetricNames.CLIENTS_CREATED)).isEqualTo(1);
  }

  @Test
  void aClassThatIsNoGapicClientFailsNamingTheSharedSlot() {
    assertThatThrownBy(
            () ->
                runtime.google(ExecutorAsBackgroundResource.class, null, GoogleConfig.ofDefaults()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("FnClients.shared");
  }

  @ParameterizedTest
  @EnumSource(GapicKind.class)
  void shutdownClosesTheClientAndItsChannelAndRefusesNewOnes(GapicKind kind) throws Exception {
    serve(kind);
    BackgroundResource client = runtime.google(kind.client, null, viaCounter());
    kind.invoke(client);

    assertThat(runtime.shutdown()).isTrue();

    assertThat(client.isShutdown()).isTrue();
    assertThatThrownBy(() -> kind.invoke(client)).isInstanceOf(RuntimeException.class);
    assertThatThrownBy(() -> runtime.google(kind.client, null, viaCounter()))
        .isInstanceOf(IllegalStateException.class);
    assertThat(counter.awaitOpenConnections(0, Duration.ofSeconds(5)))
        .as("the channel closed its connection")
        .isTrue();
  }

  /**
   * Non-Google credentials (gRPC sends those over plaintext), counting how often they are asked.
   */
  private static final class TestToken extends Credentials {
    private static final long serialVersionUID = 1L;
    private final transient AtomicInteger asked;

    TestToken(AtomicInteger asked) {
      this.asked = asked;
    }

    @Override
    public String getAuthenticationType() {
      return "test";
    }

    @Override
    public Map<String, List<String>> getRequestMetadata(URI uri) {
      asked.incrementAndGet();
      return Map.of("authorization", List.of("Bearer test-token"));
    }

    @Override
    public boolean hasRequestMetadata() {
      return true;
    }

    @Override
    public boolean hasRequestMetadataOnly() {
      return true;
    }

    @Override
    public void refresh() {}
  }
}
