package dev.fnclients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.api.gax.core.ExecutorAsBackgroundResource;
import com.google.api.gax.core.FixedCredentialsProvider;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.InstantiatingGrpcChannelProvider;
import com.google.api.gax.retrying.RetrySettings;
import com.google.api.gax.rpc.StatusCode;
import com.google.api.gax.rpc.UnavailableException;
import com.google.auth.Credentials;
import com.google.cloud.secretmanager.v1.SecretManagerServiceClient;
import com.google.cloud.secretmanager.v1.SecretManagerServiceSettings;
import dev.fnclients.google.GoogleConfig;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.testkit.IdleKillingProxy;
import dev.fnclients.testkit.google.LoopbackSecretManagerServer;
import io.grpc.ManagedChannelBuilder;
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

/**
 * A GAPIC client other than Pub/Sub (Secret Manager, the real {@code google-cloud-secretmanager})
 * through {@code FnClients.google}: one client, one connection and a flat thread count over 1,000
 * invocations, where a client built per invocation grows both; the client's own retries at one
 * layer; credentials and headers on every call.
 */
class GoogleClientPerInstanceTest {
  private static final java.lang.management.ThreadMXBean STARTED =
      java.lang.management.ManagementFactory.getThreadMXBean();
  private static final String SECRET = "projects/fn-project/secrets/api-key/versions/latest";

  private LoopbackSecretManagerServer server;
  private IdleKillingProxy counter;
  private FnClientsInstance runtime;

  @BeforeEach
  void setUp() throws Exception {
    server = LoopbackSecretManagerServer.start();
    counter = IdleKillingProxy.start(server.address());
    runtime = FnClientsInstance.create(FnClientsConfig.custom().build());
  }

  @AfterEach
  void tearDown() {
    runtime.shutdown();
    counter.close();
    server.close();
  }

  private GoogleConfig viaCounter() {
    return GoogleConfig.custom().emulatorHost(counter.host() + ":" + counter.port()).build();
  }

  @Test
  void thousandInvocationsShareOneClientOneConnectionAndAFlatThreadCount() {
    GoogleConfig options = viaCounter();
    int warmUp = 10;
    int invocations = 1000;
    long startedAfterWarmUp = 0;
    SecretManagerServiceClient first = null;
    for (int i = 0; i < invocations; i++) {
      SecretManagerServiceClient secrets =
          runtime.google(SecretManagerServiceClient.class, null, options);
      first = first == null ? secrets : first;
      assertThat(secrets).isSameAs(first);
      assertThat(secrets.accessSecretVersion(SECRET).getPayload().getData().toStringUtf8())
          .isEqualTo("value-of " + SECRET);
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

  @Test
  void clientBuiltPerInvocationOpensAConnectionAndStartsThreadsEachTime() throws Exception {
    int invocations = 20; // enough to show the growth
    int threadsBefore = Thread.activeCount();
    List<SecretManagerServiceClient> leaked = new ArrayList<>();
    try {
      for (int i = 0; i < invocations; i++) {
        SecretManagerServiceClient secrets =
            SecretManagerServiceClient.create(
                SecretManagerServiceSettings.newBuilder()
                    .setEndpoint(counter.host() + ":" + counter.port())
                    .setCredentialsProvider(NoCredentialsProvider.create())
                    .setTransportChannelProvider(
                        InstantiatingGrpcChannelProvider.newBuilder()
                            .setChannelConfigurator(ManagedChannelBuilder::usePlaintext)
                            .build())
                    .build());
        leaked.add(secrets); // the usual function code never closes it
        secrets.accessSecretVersion(SECRET);
      }

      assertThat(counter.acceptedConnections()).isEqualTo(invocations);
      assertThat(Thread.activeCount() - threadsBefore).isGreaterThanOrEqualTo(invocations);
    } finally {
      for (SecretManagerServiceClient secrets : leaked) {
        secrets.shutdownNow();
      }
    }
  }

  @Test
  void theClientsCallsGoThroughTheSharedChannelsProtections() {
    io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
        new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    runtime.metrics().bindTo(registry);

    runtime
        .google(SecretManagerServiceClient.class, null, viaCounter())
        .accessSecretVersion(SECRET);

    // Micrometer's call timer is one of the interceptors (with the default deadline and the
    // in-flight cap) that FnClients puts on the shared channel.
    assertThat(registry.find("grpc.client.processing.duration").timers())
        .anySatisfy(t -> assertThat(t.getId().getTag("method")).isEqualTo("AccessSecretVersion"));
  }

  @Test
  void aCallAfterAnIdleGapGoesOnAFreshConnection() {
    dev.fnclients.testkit.ManualClock clock = new dev.fnclients.testkit.ManualClock();
    FnClientsInstance throttled =
        FnClientsInstance.create(
            FnClientsConfig.custom()
                .maxIdleAge(Duration.ofSeconds(10))
                .ticker(clock::read)
                .build());
    try {
      SecretManagerServiceClient secrets =
          throttled.google(SecretManagerServiceClient.class, null, viaCounter());
      secrets.accessSecretVersion(SECRET);
      clock.advance(Duration.ofSeconds(11));
      secrets.accessSecretVersion(SECRET);

      assertThat(throttled.metrics().count("grpc", MetricNames.IDLE_EVICTIONS)).isEqualTo(1);
      assertThat(counter.acceptedConnections()).isEqualTo(2);
    } finally {
      throttled.shutdown();
    }
  }

  @Test
  void aFailureTheClientDoesNotRetryIsNotRetriedByTheChannelEither() {
    server.failNext(1, Status.Code.UNAVAILABLE);
    Supplier<SecretManagerServiceSettings.Builder> noRetries =
        () -> {
          SecretManagerServiceSettings.Builder b = SecretManagerServiceSettings.newBuilder();
          b.accessSecretVersionSettings().setRetryableCodes();
          return b;
        };
    SecretManagerServiceClient secrets =
        runtime.google(SecretManagerServiceClient.class, noRetries, viaCounter());

    assertThatThrownBy(() -> secrets.accessSecretVersion(SECRET))
        .isInstanceOf(UnavailableException.class);
    assertThat(server.calls()).as("attempts the server saw").isEqualTo(1);
    assertThat(runtime.metrics().count("grpc", MetricNames.RETRIES)).isZero();
  }

  @Test
  void theClientsOwnRetrySettingsAreKept() {
    server.failNext(2, Status.Code.UNAVAILABLE);
    Supplier<SecretManagerServiceSettings.Builder> twoAttempts =
        () -> {
          SecretManagerServiceSettings.Builder b = SecretManagerServiceSettings.newBuilder();
          b.accessSecretVersionSettings()
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
    SecretManagerServiceClient secrets =
        runtime.google(SecretManagerServiceClient.class, twoAttempts, viaCounter());

    // The library's default (retries on UNAVAILABLE for 60 s) would succeed on the third attempt.
    assertThatThrownBy(() -> secrets.accessSecretVersion(SECRET))
        .isInstanceOf(UnavailableException.class);
    assertThat(server.calls()).isEqualTo(2);
    assertThat(secrets.accessSecretVersion(SECRET).getName()).isEqualTo(SECRET);
  }

  @Test
  void givenCredentialsAndTheClientsHeadersReachTheServerOnEveryCall() {
    AtomicInteger tokens = new AtomicInteger();
    GoogleConfig options =
        GoogleConfig.from(viaCounter())
            .credentialsProvider(FixedCredentialsProvider.create(new TestToken(tokens)))
            .build();
    SecretManagerServiceClient secrets =
        runtime.google(SecretManagerServiceClient.class, null, options);

    for (int i = 0; i < 3; i++) {
      secrets.accessSecretVersion(SECRET);
    }

    assertThat(server.authorizations())
        .containsExactly("Bearer test-token", "Bearer test-token", "Bearer test-token");
    assertThat(tokens).as("credentials asked per call").hasValueGreaterThanOrEqualTo(3);
    assertThat(server.apiClientHeaders())
        .allSatisfy(h -> assertThat(h).contains("gapic/").contains("gax/").contains("grpc/"));
  }

  @Test
  void anEmulatorGetsNoCredentialsByDefault() {
    runtime
        .google(SecretManagerServiceClient.class, null, viaCounter())
        .accessSecretVersion(SECRET);

    assertThat(server.authorizations()).containsExactly("null");
  }

  @Test
  void concurrentFirstCallsBuildExactlyOneClientAndAFailedBuildIsRetried() throws Exception {
    AtomicInteger builds = new AtomicInteger();
    Supplier<SecretManagerServiceSettings.Builder> failsOnce =
        () -> {
          if (builds.incrementAndGet() == 1) {
            throw new IllegalStateException("no settings yet");
          }
          return SecretManagerServiceSettings.newBuilder();
        };
    GoogleConfig options = viaCounter();
    assertThatThrownBy(() -> runtime.google(SecretManagerServiceClient.class, failsOnce, options))
        .hasMessage("no settings yet");

    int threads = 16;
    CyclicBarrier start = new CyclicBarrier(threads);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<CompletableFuture<SecretManagerServiceClient>> clients = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        clients.add(
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    start.await();
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                  return runtime.google(SecretManagerServiceClient.class, failsOnce, options);
                },
                pool));
      }
      SecretManagerServiceClient first = clients.get(0).get(20, TimeUnit.SECONDS);
      for (CompletableFuture<SecretManagerServiceClient> c : clients) {
        assertThat(c.get(20, TimeUnit.SECONDS)).isSameAs(first);
      }
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

  @Test
  void shutdownClosesTheClientAndItsChannelAndRefusesNewOnes() {
    SecretManagerServiceClient secrets =
        runtime.google(SecretManagerServiceClient.class, null, viaCounter());
    secrets.accessSecretVersion(SECRET);

    assertThat(runtime.shutdown()).isTrue();

    assertThat(secrets.isShutdown()).isTrue();
    assertThatThrownBy(() -> secrets.accessSecretVersion(SECRET))
        .isInstanceOf(RuntimeException.class);
    assertThatThrownBy(() -> runtime.google(SecretManagerServiceClient.class, null, viaCounter()))
        .isInstanceOf(IllegalStateException.class);
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
