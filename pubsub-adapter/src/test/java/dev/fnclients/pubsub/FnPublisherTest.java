package dev.fnclients.pubsub;

import static dev.fnclients.pubsub.PublisherFixture.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.api.core.ApiFuture;
import com.google.protobuf.ByteString;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.TopicName;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.pubsub.spi.FnPubsub;
import dev.fnclients.testkit.pubsub.PubsubEmulator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The real Pub/Sub client, wrapped as FnClients builds it, publishing to the real Pub/Sub emulator.
 */
class FnPublisherTest {
  @RegisterExtension static final PubsubEmulator PUBSUB = new PubsubEmulator();
  private static final AtomicInteger TOPICS = new AtomicInteger();
  private static final Duration SETTLE = Duration.ofMillis(200);

  private PubsubEmulator emulator;
  private TopicName topic;
  private String subscription;
  private PublisherFixture fixture;
  private FnPublisher publisher;

  @BeforeEach
  void setUp() {
    emulator = PUBSUB;
    int n = TOPICS.incrementAndGet();
    topic = TopicName.of("fn-project", "orders-" + n);
    subscription = "projects/fn-project/subscriptions/orders-" + n + "-check";
    emulator.createTopic(topic.toString());
    emulator.createSubscription(
        subscription, topic.toString()); // before publishing: it sees only what follows
    fixture = new PublisherFixture(topic, emulator.target(), Duration.ofSeconds(10));
    publisher = fixture.publisher;
  }

  @AfterEach
  void tearDown() throws Exception {
    emulator.thaw(); // harmless when running
    fixture.close();
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
    // Only the ids, each once: a redelivery is not what this test is about.
    assertThat(emulator.pullAll(subscription, SETTLE))
        .extracting(PubsubMessage::getMessageId)
        .containsOnly(confirmed.toArray(String[]::new));
    assertThat(fixture.pubsubStats.count(MetricNames.MESSAGES_PUBLISHED)).isEqualTo(50);
  }

  @Test
  void publishAndWaitReturnsTheIdTheServerAssigned() throws Exception {
    String id = publisher.publishAndWait(message("one"));

    assertThat(emulator.pullAll(subscription, SETTLE))
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.getMessageId()).isEqualTo(id);
              assertThat(m.getData().toStringUtf8()).isEqualTo("one");
            });
  }

  @Test
  void orderingKeysAndAttributesPassThroughInOrder() throws Exception {
    for (int i = 0; i < 5; i++) {
      publisher.publish(
          message("step " + i).toBuilder()
              .setOrderingKey("customer-7")
              .putAttributes("n", "" + i)
              .build());
      publisher.publish(message("other " + i));
    }
    publisher.flush();

    List<PubsubMessage> held = emulator.pullAll(subscription, SETTLE);
    assertThat(held).hasSize(10);
    assertThat(held)
        .filteredOn(m -> !m.getOrderingKey().isEmpty())
        .extracting(m -> m.getOrderingKey() + "/" + m.getAttributesOrThrow("n"))
        .containsExactly(
            "customer-7/0", "customer-7/1", "customer-7/2", "customer-7/3", "customer-7/4");
  }

  @Test
  void badInputFailsBeforeAnythingIsSent() {
    assertThatThrownBy(() -> FnPubsub.topic(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("projects/{project}/topics/{topic}");
    assertThatThrownBy(() -> FnPubsub.topic("orders"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'orders'");
    assertThatThrownBy(() -> FnPubsub.topic("projects/p/topics/goog-x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("goog");
    assertThatThrownBy(() -> publisher.publish(PubsubMessage.getDefaultInstance()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("data or at least one attribute");
    PubsubMessage huge =
        PubsubMessage.newBuilder().setData(ByteString.copyFrom(new byte[10_000_001])).build();
    assertThatThrownBy(() -> publisher.publish(huge))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("10000000 bytes");

    assertThat(publisher.outstanding()).isZero();
    assertThat(emulator.pullAll(subscription, SETTLE)).isEmpty();
  }

  @Test
  void closeAgainstAStalledServerFailsEveryUnconfirmedFutureWithinItsBudgetAndLeavesNonePending()
      throws Exception {
    String first = publisher.publishAndWait(message("confirmed first"));
    emulator.freeze();
    List<ApiFuture<String>> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(publisher.publish(message("stuck " + i)));
    }

    long start = System.nanoTime();
    FnPubsub.close(publisher, Duration.ofMillis(500));
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertThat(tookMillis).as("close within its budget").isLessThan(600);
    assertThat(ids)
        .allSatisfy(
            id -> {
              assertThat(id).isDone();
              assertThatThrownBy(id::get)
                  .isInstanceOf(ExecutionException.class)
                  .cause()
                  .isInstanceOfSatisfying(
                      PublishNotConfirmedException.class,
                      e -> assertThat(e.wasSent()).as("sent to the stalled server").isTrue());
            });
    assertThat(publisher.outstanding()).isZero();
    assertThat(fixture.pubsubStats.count(MetricNames.MESSAGES_FAILED)).isEqualTo(5);
    assertThatThrownBy(() -> publisher.publish(message("late")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("shut down");
    emulator.thaw();
    assertThat(emulator.pullAll(subscription, SETTLE))
        .extracting(PubsubMessage::getMessageId)
        .contains(first);
  }

  @Test
  void messagesWaitingAtTheInFlightCapAreReportedNotSentAndNeverReachTheServer() throws Exception {
    publisher.publishAndWait(
        message("warm-up")); // connected, so that requests reach the frozen server's socket
    emulator.freeze();
    // 100 bytes a message, about 10 a batch: 3,000 messages make ~300 calls, three times the cap.
    String padding = "x".repeat(90);
    List<ApiFuture<String>> ids = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      ids.add(publisher.publish(message(i + " " + padding)));
    }
    assertThatThrownBy(() -> publisher.flush(Duration.ofMillis(300)))
        .isInstanceOf(java.util.concurrent.TimeoutException.class);

    FnPubsub.close(publisher, Duration.ofMillis(300));
    Set<String> notSent = new HashSet<>();
    int sent = 0;
    for (int i = 0; i < ids.size(); i++) {
      PublishNotConfirmedException e = failure(ids.get(i));
      if (e.wasSent()) {
        sent++;
      } else {
        notSent.add(i + " " + padding);
      }
    }
    emulator.thaw();
    List<String> held =
        emulator.pullAll(subscription, SETTLE).stream()
            .map(m -> m.getData().toStringUtf8())
            .toList();

    assertThat(sent).as("in calls admitted by the cap").isPositive();
    assertThat(notSent).as("waiting in line at the cap").isNotEmpty();
    assertThat(held)
        .as("no message reported not sent is on the server")
        .doesNotContainAnyElementsOf(notSent);
    assertThat(fixture.grpcStats.count(MetricNames.CAP_REJECTIONS))
        .as("waited in line, not refused")
        .isZero();
  }

  private static PublishNotConfirmedException failure(ApiFuture<String> id) {
    assertThat(id).isDone();
    try {
      id.get();
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(PublishNotConfirmedException.class);
      return (PublishNotConfirmedException) e.getCause();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("confirmed by a frozen server: " + id);
  }
}
