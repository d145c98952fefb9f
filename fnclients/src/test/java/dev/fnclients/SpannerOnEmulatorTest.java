package dev.fnclients;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.spanner.DatabaseClient;
import com.google.cloud.spanner.ResultSet;
import com.google.cloud.spanner.Spanner;
import com.google.cloud.spanner.SpannerOptions;
import com.google.cloud.spanner.Statement;
import dev.fnclients.google.GoogleConfig;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.testkit.IdleKillingProxy;
import dev.fnclients.testkit.emulators.GoogleEmulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Cloud Spanner on its emulator, built once per instance in a shared slot with
 * {@code SpannerOptions.setChannelProvider(FnClients.googleChannelProvider(...))}: 1,000 invocations
 * open one connection and keep the thread count flat, where a Spanner built the usual way opens its
 * pool of eight; the shutdown hook closes it.
 */
class SpannerOnEmulatorTest {
  private static final java.lang.management.ThreadMXBean STARTED = java.lang.management.ManagementFactory.getThreadMXBean();
  private static GoogleEmulator emulator;

  private IdleKillingProxy counter;
  private FnClientsInstance runtime;

  @BeforeAll
  static void startEmulator() throws Exception {
    emulator = GoogleEmulator.spanner();
    SpannerEmulatorDatabase.create(emulator);
  }

  @AfterAll
  static void stopEmulator() {
    emulator.close();
  }

  @BeforeEach
  void setUp() throws Exception {
    counter = IdleKillingProxy.start(emulator.address());
    runtime = FnClientsInstance.create(FnClientsConfig.custom().build());
  }

  @AfterEach
  void tearDown() {
    runtime.shutdown();
    counter.close();
  }

  private Spanner sharedSpanner() {
    String viaCounter = counter.host() + ":" + counter.port();
    return runtime.shared(Spanner.class.getName(), Spanner.class, () -> SpannerOptions.newBuilder()
        .setProjectId(SpannerEmulatorDatabase.PROJECT)
        .setEmulatorHost(viaCounter)
        .setBuiltInMetricsEnabled(false)
        .setChannelProvider(runtime.googleChannelProvider(GoogleConfig.custom().emulatorHost(viaCounter).build()))
        .build()
        .getService());
  }

  private static String query(DatabaseClient db) {
    try (ResultSet rs = db.singleUse().executeQuery(Statement.of("SELECT Name FROM Items WHERE Id = 1"))) {
      return rs.next() ? rs.getString(0) : null;
    }
  }

  @Test
  void thousandInvocationsShareOneSpannerOneConnectionAndAFlatThreadCount() {
    int warmUp = 20;
    int invocations = 1000;
    long startedAfterWarmUp = 0;
    for (int i = 0; i < invocations; i++) {
      assertThat(query(sharedSpanner().getDatabaseClient(SpannerEmulatorDatabase.DATABASE))).isEqualTo("one");
      if (i == warmUp) {
        startedAfterWarmUp = -STARTED.getTotalStartedThreadCount();
      }
    }

    assertThat(counter.acceptedConnections()).as("connections the emulator saw").isEqualTo(1);
    assertThat(runtime.metrics().count("shared", MetricNames.CLIENTS_CREATED)).isEqualTo(1);
    startedAfterWarmUp += STARTED.getTotalStartedThreadCount();
    // Threads started by anything in this JVM during the last 980 invocations: pools that start a
    // thread on demand may add a few; a client per invocation starts several each time.
    assertThat(startedAfterWarmUp).as("threads started after warm-up").isLessThanOrEqualTo(10);
  }

  @Test
  void aSpannerBuiltTheUsualWayOpensItsPoolOfConnections() {
    try (Spanner usual = SpannerEmulatorDatabase.usualSpanner(counter.host() + ":" + counter.port())) {
      DatabaseClient db = usual.getDatabaseClient(SpannerEmulatorDatabase.DATABASE);
      for (int i = 0; i < 100; i++) {
        assertThat(query(db)).isEqualTo("one");
      }
      // grpc-gcp's pool, on by default: eight channels, each its own connection (8 to 24 seen here:
      // the admin stubs may get pools of their own).
      assertThat(counter.acceptedConnections()).as("one per channel of its pool").isGreaterThanOrEqualTo(usual.getOptions().getNumChannels());
      assertThat(usual.getOptions().getNumChannels()).isEqualTo(8);
    }
  }

  @Test
  void shutdownClosesTheSharedSpannerBeforeTheChannelsItUses() {
    Spanner spanner = sharedSpanner();
    assertThat(query(spanner.getDatabaseClient(SpannerEmulatorDatabase.DATABASE))).isEqualTo("one");

    assertThat(runtime.shutdown()).isTrue();

    assertThat(spanner.isClosed()).isTrue();
    assertThat(counter.openConnections()).isZero();
  }
}
