package dev.fnclients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.api.gax.core.FixedCredentialsProvider;
import com.google.cloud.firestore.Firestore;
import com.google.cloud.firestore.FirestoreOptions;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.testkit.emulators.GoogleEmulator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Firestore, whose options accept only GAX's {@code InstantiatingGrpcChannelProvider}, on its
 * emulator through {@code FnClients.shared} with {@code FnClients.googleChannelConfigurator()}:
 * built once per instance, one connection over 1,000 invocations, a flat thread count, closed by
 * the shutdown hook; a Firestore built per invocation grows connections and threads.
 */
class FirestoreSharedSlotTest extends OnGoogleEmulator {
  static final String PROJECT = "fn-project";

  @Override
  GoogleEmulator startEmulator() throws Exception {
    return GoogleEmulator.firestore();
  }

  /**
   * Firestore's options as its emulator support builds them (plaintext channel provider, the
   * emulator's token), with FnClients' configurator applied last. (With FIRESTORE_EMULATOR_HOST
   * set, Firestore replaces the channel provider, configurator included, with its own.)
   */
  @SuppressWarnings({"rawtypes", "unchecked"})
  static FirestoreOptions.Builder options(
      String hostPort,
      com.google.api.core.ApiFunction<io.grpc.ManagedChannelBuilder, io.grpc.ManagedChannelBuilder>
          fnClients) {
    return FirestoreOptions.newBuilder()
        .setProjectId(PROJECT)
        .setChannelProvider(
            FirestoreOptions.getDefaultTransportChannelProviderBuilder()
                .setEndpoint(hostPort)
                .setChannelConfigurator(
                    b -> fnClients == null ? b.usePlaintext() : fnClients.apply(b.usePlaintext()))
                .build())
        .setCredentialsProvider(
            FixedCredentialsProvider.create(new FirestoreOptions.EmulatorCredentials()));
  }

  private Firestore sharedFirestore() {
    return runtime.shared(
        Firestore.class.getName(),
        Firestore.class,
        () -> options(viaCounter(), runtime.googleChannelConfigurator()).build().getService());
  }

  @Test
  void thousandInvocationsShareOneFirestoreOneConnectionAndAFlatThreadCount() throws Exception {
    sharedFirestore()
        .collection("items")
        .document("one")
        .set(Map.of("name", "one"))
        .get(10, TimeUnit.SECONDS);
    int warmUp = 20;
    int invocations = 1000;
    long startedAfterWarmUp = 0;
    for (int i = 0; i < invocations; i++) {
      assertThat(
              sharedFirestore()
                  .collection("items")
                  .document("one")
                  .get()
                  .get(10, TimeUnit.SECONDS)
                  .getString("name"))
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
  void firestoreBuiltPerInvocationOpensAConnectionAndStartsThreadsEachTime() throws Exception {
    int invocations = 10;
    int threadsBefore = Thread.activeCount();
    List<Firestore> leaked = new ArrayList<>();
    try {
      for (int i = 0; i < invocations; i++) {
        Firestore db = options(viaCounter(), null).build().getService();
        leaked.add(db); // the usual function code never closes it
        db.collection("items").document("one").get().get(10, TimeUnit.SECONDS);
      }

      assertThat(counter.acceptedConnections()).isEqualTo(invocations);
      assertThat(Thread.activeCount() - threadsBefore).isGreaterThanOrEqualTo(invocations);
    } finally {
      for (Firestore db : leaked) {
        db.close();
      }
    }
  }

  @Test
  void theConfiguratorGivesFirestoresChannelsFnClientsProtections() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    runtime.metrics().bindTo(registry);
    Firestore db = sharedFirestore();
    db.collection("items").document("two").set(Map.of("name", "two")).get(10, TimeUnit.SECONDS);

    // Micrometer's call timer is one of the interceptors FnClients adds to each channel.
    assertThat(registry.find("grpc.client.processing.duration").timers())
        .anySatisfy(t -> assertThat(t.getId().getTag("method")).isEqualTo("Commit"));
  }

  @Test
  void shutdownClosesTheSharedFirestore() throws Exception {
    Firestore db = sharedFirestore();
    db.collection("items").document("one").get().get(10, TimeUnit.SECONDS);

    assertThat(runtime.shutdown()).isTrue();

    assertThatThrownBy(() -> db.collection("items").document("one").get().get(10, TimeUnit.SECONDS))
        .hasMessageContaining("closed");
    assertThat(counter.awaitOpenConnections(0, java.time.Duration.ofSeconds(5))).isTrue();
  }
}
