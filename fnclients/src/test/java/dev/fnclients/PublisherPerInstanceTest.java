package dev.fnclients;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.cloud.pubsub.v1.Publisher;
import com.google.protobuf.ByteString;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.TopicName;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.pubsub.FnPublisher;
import dev.fnclients.pubsub.PubsubConfig;
import dev.fnclients.testkit.IdleKillingProxy;
import dev.fnclients.testkit.pubsub.PubsubEmulator;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * 1,000 invocations publishing through FnClients to the real Pub/Sub emulator use one publisher,
 * one connection and a fixed set of threads (only grpc-java's shared, cached {@code
 * grpc-default-executor} pool varies, with how many calls overlap, not with invocations); a
 * Publisher built per invocation, as Google's function sample does, grows threads and connections.
 */
class PublisherPerInstanceTest {
  @RegisterExtension static final PubsubEmulator PUBSUB = new PubsubEmulator();
  private static final String GRPC_DEFAULT_EXECUTOR = "grpc-default-executor";

  private PubsubEmulator emulator;
  private IdleKillingProxy counter;

  @BeforeEach
  void setUp() throws Exception {
    emulator = PUBSUB;
    counter = IdleKillingProxy.start(emulator.address());
  }

  @AfterEach
  void tearDown() {
    counter.close();
  }

  @Test
  void thousandInvocationsShareOnePublisherOneConnectionAndAFixedSetOfThreads() throws Exception {
    TopicName topic = TopicName.of("fn-project", "invocations");
    String subscription = "projects/fn-project/subscriptions/invocations-check";
    emulator.createTopic(topic.toString());
    emulator.createSubscription(subscription, topic.toString());
    FnClientsInstance runtime = FnClientsInstance.create(FnClientsConfig.custom().build());
    PubsubConfig pubsub =
        PubsubConfig.custom().emulatorHost(counter.host() + ":" + counter.port()).build();
    int invocations = 1000;
    Map<String, Integer> afterFirst = null;
    Map<String, Integer> afterLast;
    try {
      for (int i = 0; i < invocations; i++) {
        FnPublisher publisher = runtime.publisher(topic, pubsub);
        publisher.publish(message("invocation " + i));
        publisher.flush();
        if (i == 0) {
          afterFirst = threadsByName();
        }
      }
      afterLast = threadsByName();

      List<String> held =
          emulator.pullAll(subscription, Duration.ofMillis(200)).stream()
              .map(m -> m.getData().toStringUtf8())
              .toList();
      assertThat(held)
          .as("each invocation's message on the server, once")
          .hasSize(invocations)
          .doesNotHaveDuplicates();
      assertThat(runtime.metrics().count("pubsub", MetricNames.CLIENTS_CREATED)).isEqualTo(1);
      assertThat(runtime.metrics().count("grpc", MetricNames.CLIENTS_CREATED)).isEqualTo(1);
      assertThat(counter.acceptedConnections()).as("connections the server saw").isEqualTo(1);
      System.out.printf(
          "threads after the first invocation %d %s, after %d: %d %s%n",
          total(afterFirst), afterFirst, invocations, total(afterLast), afterLast);
      Map<String, Integer> first = afterFirst;
      assertThat(afterLast)
          .as(
              "threads by name, grpc-java's cached executor aside: none more after 1,000 invocations")
          .allSatisfy(
              (name, count) -> {
                if (!name.equals(GRPC_DEFAULT_EXECUTOR)) {
                  assertThat(count).as(name).isLessThanOrEqualTo(first.getOrDefault(name, 0));
                }
              });
      assertThat(afterLast.get("fnclients-pubsub"))
          .as("the publishers' executor")
          .isEqualTo(first.get("fnclients-pubsub"));
      // Its threads live 60 s once started, so the count is the most callbacks that ever
      // overlapped:
      // a handful on a quiet machine, up to 9 seen on a loaded 2-core one. Growing with invocations
      // would mean hundreds here.
      assertThat(afterLast.getOrDefault(GRPC_DEFAULT_EXECUTOR, 0))
          .as("grpc-java's cached executor: bounded by overlapping calls, not invocations")
          .isLessThanOrEqualTo(16);
    } finally {
      runtime.shutdown();
    }
  }

  @Test
  void publisherPerInvocationGrowsThreadsAndConnections() throws Exception {
    TopicName topic = TopicName.of("fn-project", "per-invocation");
    emulator.createTopic(topic.toString());
    int invocations = 30; // enough to show the growth; 1,000 would start thousands of threads
    int threadsBefore = Thread.activeCount();
    List<Publisher> leaked = new ArrayList<>();
    List<ManagedChannel> channels = new ArrayList<>();
    try {
      for (int i = 0; i < invocations; i++) {
        ManagedChannel channel =
            ManagedChannelBuilder.forTarget(counter.host() + ":" + counter.port())
                .usePlaintext()
                .build();
        channels.add(channel);
        Publisher publisher =
            Publisher.newBuilder(topic)
                .setChannelProvider(
                    FixedTransportChannelProvider.create(GrpcTransportChannel.create(channel)))
                .setCredentialsProvider(NoCredentialsProvider.create())
                .build();
        leaked.add(publisher); // the sample never shuts it down
        publisher.publish(message("invocation " + i)).get(10, TimeUnit.SECONDS);
      }

      assertThat(counter.acceptedConnections()).isEqualTo(invocations);
      assertThat(Thread.activeCount() - threadsBefore).isGreaterThanOrEqualTo(invocations);
    } finally {
      for (Publisher publisher : leaked) {
        publisher.shutdown();
      }
      for (ManagedChannel channel : channels) {
        channel.shutdownNow();
      }
    }
  }

  /**
   * Live threads by name, numbers at the end dropped: {@code fnclients-pubsub-1} counts as {@code
   * fnclients-pubsub}.
   */
  private static Map<String, Integer> threadsByName() {
    Map<String, Integer> byName = new TreeMap<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      byName.merge(t.getName().replaceAll("[-#]?\\d+$", ""), 1, Integer::sum);
    }
    return byName;
  }

  private static int total(Map<String, Integer> byName) {
    return byName.values().stream().mapToInt(Integer::intValue).sum();
  }

  private static PubsubMessage message(String text) {
    return PubsubMessage.newBuilder().setData(ByteString.copyFromUtf8(text)).build();
  }
}
