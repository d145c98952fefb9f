package dev.fnclients;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.cloud.pubsub.v1.Publisher;
import com.google.protobuf.ByteString;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.TopicName;
import dev.fnclients.FnClientsInstance;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.pubsub.FnPublisher;
import dev.fnclients.pubsub.PubsubConfig;
import dev.fnclients.testkit.IdleKillingProxy;
import dev.fnclients.testkit.pubsub.LoopbackPubsubServer;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * 1,000 invocations publishing through FnClients use one publisher, one channel and a flat thread
 * count; a Publisher built per invocation, as Google's function sample does, grows both.
 */
class PublisherPerInstanceTest {
  private static final TopicName TOPIC = TopicName.of("fn-project", "orders");

  private LoopbackPubsubServer server;
  private IdleKillingProxy counter;

  @BeforeEach
  void setUp() throws Exception {
    server = LoopbackPubsubServer.start();
    counter = IdleKillingProxy.start(server.address());
  }

  @AfterEach
  void tearDown() {
    counter.close();
    server.close();
  }

  @Test
  void thousandInvocationsShareOnePublisherOneConnectionAndAFlatThreadCount() throws Exception {
    FnClientsInstance runtime = FnClientsInstance.create(FnClientsConfig.custom().build());
    PubsubConfig pubsub = PubsubConfig.custom().emulatorHost(counter.host() + ":" + counter.port()).build();
    int warmUp = 10;
    int invocations = 1000;
    int fewestThreads = Integer.MAX_VALUE;
    int mostThreads = 0;
    try {
      for (int i = 0; i < invocations; i++) {
        FnPublisher publisher = runtime.publisher(TOPIC, pubsub);
        publisher.publish(message(i));
        publisher.flush();
        if (i >= warmUp) {
          int threads = Thread.activeCount();
          fewestThreads = Math.min(fewestThreads, threads);
          mostThreads = Math.max(mostThreads, threads);
        }
      }

      assertThat(server.messages()).hasSize(invocations);
      assertThat(runtime.metrics().count("pubsub", MetricNames.CLIENTS_CREATED)).isEqualTo(1);
      assertThat(runtime.metrics().count("grpc", MetricNames.CLIENTS_CREATED)).isEqualTo(1);
      assertThat(counter.acceptedConnections()).as("connections the server saw").isEqualTo(1);
      assertThat(mostThreads - fewestThreads).as("threads after warm-up, fewest %d, most %d", fewestThreads, mostThreads).isLessThanOrEqualTo(1);
    } finally {
      runtime.shutdown();
    }
  }

  @Test
  void publisherPerInvocationGrowsThreadsAndConnections() throws Exception {
    int invocations = 30; // enough to show the growth; 1,000 would start thousands of threads
    int threadsBefore = Thread.activeCount();
    List<Publisher> leaked = new ArrayList<>();
    List<ManagedChannel> channels = new ArrayList<>();
    try {
      for (int i = 0; i < invocations; i++) {
        ManagedChannel channel = ManagedChannelBuilder.forTarget(counter.host() + ":" + counter.port()).usePlaintext().build();
        channels.add(channel);
        Publisher publisher =
            Publisher.newBuilder(TOPIC)
                .setChannelProvider(FixedTransportChannelProvider.create(GrpcTransportChannel.create(channel)))
                .setCredentialsProvider(NoCredentialsProvider.create())
                .build();
        leaked.add(publisher); // the sample never shuts it down
        publisher.publish(message(i)).get(10, TimeUnit.SECONDS);
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

  private static PubsubMessage message(int i) {
    return PubsubMessage.newBuilder().setData(ByteString.copyFromUtf8("invocation " + i)).build();
  }
}
