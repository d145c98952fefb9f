package dev.fnclients;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.spanner.DatabaseClient;
import com.google.cloud.spanner.ResultSet;
import com.google.cloud.spanner.Spanner;
import com.google.cloud.spanner.SpannerOptions;
import com.google.cloud.spanner.Statement;
import dev.fnclients.google.GoogleConfig;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.testkit.emulators.GoogleEmulator;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Cloud Spanner on its emulator, built once per instance in a shared slot with {@code
 * SpannerOptions.setChannelProvider(FnClients.googleChannelProvider(...))}: 1,000 invocations open
 * one connection and keep the thread count flat, where a Spanner built the usual way opens its pool
 * of eight; the shutdown hook closes it.
 */
class SpannerOnEmulatorTest extends OnGoogleEmulator {
  @Override
  GoogleEmulator startEmulator() throws Exception {
    GoogleEmulator spanner = GoogleEmulator.spanner();
    SpannerEmulatorDatabase.create(spanner);
    return spanner;
  }

  private Spanner sharedSpanner() {
    String viaCounter = viaCounter();
    return runtime.shared(
        Spanner.class.getName(),
        Spanner.class,
        () ->
            SpannerOptions.newBuilder()
                .setProjectId(SpannerEmulatorDatabase.PROJECT)
                .setEmulatorHost(viaCounter)
                .setBuiltInMetricsEnabled(false)
                .setChannelProvider(
                    runtime.googleChannelProvider(
                        GoogleConfig.custom().emulatorHost(viaCounter).build()))
                .build()
                .getService());
  }

  private static String query(DatabaseClient db) {
    try (ResultSet rs =
        db.singleUse().executeQuery(Statement.of("SELECT Name FROM Items WHERE Id = 1"))) {
      return rs.next() ? rs.getString(0) : null;
    }
  }

  @Test
  void thousandInvocationsShareOneSpannerOneConnectionAndAFlatThreadCount() {
    int warmUp = 20;
    int invocations = 1000;
    long startedAfterWarmUp = 0;
    for (int i = 0; i < invocations; i++) {
      assertThat(query(sharedSpanner().getDatabaseClient(SpannerEmulatorDatabase.DATABASE)))
          .isEqualTo("one");
      if (i == warmUp) {
        startedAfterWarmUp = -THREADS.getTotalStartedThreadCount();
      }
    }

    assertThat(counter.acceptedConnections()).as("connections the emulator saw").isEqualTo(1);
    assertThat(runtime.metrics().count("shared", MetricNames.CLIENTS_CREATED)).isEqualTo(1);
    startedAfterWarmUp += THREADS.getTotalStartedThreadCount();
    // Threads started by anything in this JVM during the last 980 invocations: pools that start a
    // thread on demand may add a few; a client per invocation starts several each time.
    assertThat(startedAfterWarmUp).as("threads started after warm-up").isLessThanOrEqualTo(10);
  }

  @Test
  void spannersCallsGoThroughTheSharedChannelsProtectionsAndItsIdleReset() {
    dev.fnclients.testkit.ManualClock clock = new dev.fnclients.testkit.ManualClock();
    FnClientsInstance throttled =
        FnClientsInstance.create(
            dev.fnclients.pool.FnClientsConfig.custom()
                .maxIdleAge(Duration.ofSeconds(10))
                .ticker(clock::read)
                .build());
    io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
        new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    throttled.metrics().bindTo(registry);
    String viaCounter = viaCounter();
    try {
      Spanner spanner =
          throttled.shared(
              "spanner",
              Spanner.class,
              () ->
                  SpannerOptions.newBuilder()
                      .setProjectId(SpannerEmulatorDatabase.PROJECT)
                      .setEmulatorHost(viaCounter)
                      .setBuiltInMetricsEnabled(false)
                      .setChannelProvider(
                          throttled.googleChannelProvider(
                              GoogleConfig.custom().emulatorHost(viaCounter).build()))
                      .build()
                      .getService());
      DatabaseClient db = spanner.getDatabaseClient(SpannerEmulatorDatabase.DATABASE);
      assertThat(query(db)).isEqualTo("one");
      int before = counter.acceptedConnections();
      clock.advance(Duration.ofSeconds(11));
      assertThat(query(db)).isEqualTo("one");

      // Micrometer's call timer is one of the interceptors (with the default deadline and the
      // in-flight cap) that FnClients puts on the shared channel.
      assertThat(registry.find("grpc.client.processing.duration").timers())
          .anySatisfy(t -> assertThat(t.getId().getTag("method")).isEqualTo("ExecuteStreamingSql"));
      assertThat(throttled.metrics().count("grpc", MetricNames.IDLE_EVICTIONS)).isEqualTo(1);
      assertThat(counter.acceptedConnections())
          .as("the call after the gap on a fresh connection")
          .isEqualTo(before + 1);
    } finally {
      throttled.shutdown();
    }
  }

  @Test
  void aSpannerBuiltTheUsualWayOpensItsPoolOfConnections() {
    try (Spanner usual = SpannerEmulatorDatabase.usualSpanner(viaCounter())) {
      DatabaseClient db = usual.getDatabaseClient(SpannerEmulatorDatabase.DATABASE);
      for (int i = 0; i < 100; i++) {
        assertThat(query(db)).isEqualTo("one");
      }
      // grpc-gcp's pool, on by default: eight channels, each its own connection (8 to 24 seen here:
      // the admin stubs may get pools of their own).
      assertThat(counter.acceptedConnections())
          .as("one per channel of its pool")
          .isGreaterThanOrEqualTo(usual.getOptions().getNumChannels());
      assertThat(usual.getOptions().getNumChannels()).isEqualTo(8);
    }
  }

  @Test
  void shutdownClosesTheSharedSpannerBeforeTheChannelsItUses() throws Exception {
    Spanner spanner = sharedSpanner();
    assertThat(query(spanner.getDatabaseClient(SpannerEmulatorDatabase.DATABASE))).isEqualTo("one");

    assertThat(runtime.shutdown()).isTrue();

    assertThat(spanner.isClosed()).isTrue();
    // The proxy sees each close a moment later, on its own threads.
    assertThat(counter.awaitOpenConnections(0, Duration.ofSeconds(10))).isTrue();
  }
}
