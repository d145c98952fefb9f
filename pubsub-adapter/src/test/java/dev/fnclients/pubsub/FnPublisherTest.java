package dev.fnclients.pubsub;

import dev.fnclients.pubsub.spi.FnPubsub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.api.core.ApiFuture;
import com.google.protobuf.ByteString;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.TopicName;
import dev.fnclients.grpc.spi.FnGrpc;
import dev.fnclients.pool.Environment;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.pool.Platform;
import dev.fnclients.spi.TransportStats;
import dev.fnclients.testkit.pubsub.LoopbackPubsubServer;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The real Pub/Sub client, wrapped, publishing to a loopback server built from the official stubs. */
class FnPublisherTest {
  private static final TopicName TOPIC = TopicName.of("fn-project", "orders");

  private final TransportStats pubsubStats = new TransportStats("pubsub");
  private final TransportStats grpcStats = new TransportStats("grpc");
  private LoopbackPubsubServer server;
  private ManagedChannel channel;
  private ScheduledExecutorService executor;
  private FnPublisher publisher;

  @BeforeEach
  void setUp() throws Exception {
    server = LoopbackPubsubServer.start();
    PubsubConfig pubsub =
        PubsubConfig.custom(Environment.of(Map.of("PUBSUB_EMULATOR_HOST", server.target()), Map.of())).build();
    FnClientsConfig config =
        FnClientsConfig.custom().platform(Platform.OTHER).retryInitialBackoff(Duration.ofMillis(5)).build();
    channel = FnGrpc.newChannel(pubsub.target(), FnPubsub.grpcConfig(pubsub), config, grpcStats);
    executor = FnPubsub.newExecutor();
    publisher = FnPubsub.newPublisher(TOPIC, channel, executor, pubsub, config, pubsubStats);
  }

  @AfterEach
  void tearDown() throws Exception {
    FnPubsub.close(publisher, Duration.ofSeconds(2));
    executor.shutdownNow();
    FnGrpc.close(channel, Duration.ofSeconds(2));
    server.close();
  }

  @Test
  void flushReturnsOnceEveryMessagePublishedSoFarIsConfirmed() throws Exception {
    List<ApiFuture<String>> ids = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      ids.add(publisher.publish(message("order " + i)));
    }
    publisher.flush();

    assertThat(ids).allSatisfy(id -> assertThat(id).isDone());
    assertThat(publisher.outstanding()).isZero();
    List<String> confirmed = new ArrayList<>();
    for (ApiFuture<String> id : ids) {
      confirmed.add(id.get());
    }
    assertThat(server.messageIds()).containsExactlyInAnyOrderElementsOf(confirmed);
    assertThat(server.messages()).allSatisfy(r -> assertThat(r.topic()).isEqualTo(TOPIC.toString()));
    assertThat(pubsubStats.count(MetricNames.MESSAGES_PUBLISHED)).isEqualTo(50);
  }

  @Test
  void publishAndWaitReturnsTheIdTheServerAssigned() throws Exception {
    String id = publisher.publishAndWait(message("one"));

    assertThat(server.messages()).singleElement().satisfies(r -> {
      assertThat(r.messageId()).isEqualTo(id);
      assertThat(r.message().getData().toStringUtf8()).isEqualTo("one");
    });
  }

  @Test
  void orderingKeysAndAttributesPassThroughInOrder() throws Exception {
    for (int i = 0; i < 5; i++) {
      publisher.publish(message("step " + i).toBuilder().setOrderingKey("customer-7").putAttributes("n", "" + i).build());
    }
    publisher.flush();

    assertThat(server.messages())
        .extracting(r -> r.message().getOrderingKey() + "/" + r.message().getAttributesOrThrow("n"))
        .containsExactly("customer-7/0", "customer-7/1", "customer-7/2", "customer-7/3", "customer-7/4");
  }

  @Test
  void unavailableBurstIsRetriedByThePubsubClientAloneNotByTheChannelToo() throws Exception {
    server.failNext(2, Status.Code.UNAVAILABLE);

    publisher.publishAndWait(message("after a burst"));

    assertThat(server.publishCalls()).as("two failed attempts and the one that succeeded").isEqualTo(3);
    assertThat(grpcStats.count(MetricNames.RETRIES)).as("no second layer of retries in the channel").isZero();
    assertThat(server.messages()).hasSize(1);
  }

  @Test
  void badInputFailsBeforeAnythingIsSent() {
    assertThatThrownBy(() -> FnPubsub.topic("")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("projects/{project}/topics/{topic}");
    assertThatThrownBy(() -> FnPubsub.topic("orders")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'orders'");
    assertThatThrownBy(() -> FnPubsub.topic("projects/p/topics/goog-x")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("goog");
    assertThatThrownBy(() -> publisher.publish(PubsubMessage.getDefaultInstance()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("data or at least one attribute");
    PubsubMessage huge = PubsubMessage.newBuilder().setData(ByteString.copyFrom(new byte[10_000_001])).build();
    assertThatThrownBy(() -> publisher.publish(huge)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("10000000 bytes");

    assertThat(server.publishCalls()).isZero();
    assertThat(publisher.outstanding()).isZero();
  }

  @Test
  void closeFailsEveryUnconfirmedFutureWithinItsBudgetAndLeavesNonePending() throws Exception {
    publisher.publishAndWait(message("confirmed first"));
    server.hangPublishes(true);
    List<ApiFuture<String>> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(publisher.publish(message("stuck " + i)));
    }

    FnPubsub.close(publisher, Duration.ofMillis(500));

    assertThat(ids).allSatisfy(id -> assertThatThrownBy(() -> id.get(1, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(PublishNotConfirmedException.class));
    assertThat(publisher.outstanding()).isZero();
    assertThat(pubsubStats.count(MetricNames.MESSAGES_FAILED)).isEqualTo(5);
    assertThatThrownBy(() -> publisher.publish(message("late"))).isInstanceOf(IllegalStateException.class).hasMessageContaining("shut down");
  }

  private static PubsubMessage message(String text) {
    return PubsubMessage.newBuilder().setData(ByteString.copyFromUtf8(text)).build();
  }
}
