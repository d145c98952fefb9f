package dev.fnclients.pubsub;

import static dev.fnclients.pubsub.PublisherFixture.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.pubsub.v1.TopicName;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.testkit.pubsub.LoopbackPubsubServer;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Faults the emulator cannot make, from a loopback server built from the official stubs: a
 * Publisher service that accepts every call and never answers, and bursts of {@code UNAVAILABLE}.
 */
class UnansweringServerTest {
  private static final TopicName TOPIC = TopicName.of("fn-project", "orders");
  /** About 600 batches of 100: six times the in-flight cap. */
  private static final int MESSAGES = 60_000;
  /** About 200 batches: twice the cap, enough to fill it. */
  private static final int FEWER_MESSAGES = 20_000;
  private static final long SLACK_MILLIS = 100;

  private LoopbackPubsubServer server;
  private PublisherFixture fixture;
  private FnPublisher publisher;

  @BeforeEach
  void setUp() throws Exception {
    server = LoopbackPubsubServer.start();
    fixture = new PublisherFixture(TOPIC, server.target(), Duration.ofSeconds(1));
    publisher = fixture.publisher;
  }

  @AfterEach
  void tearDown() throws Exception {
    fixture.close();
    server.close();
  }

  @Test
  void flushAgainstAServerThatNeverAnswersReturnsWithinItsTimeout() throws Exception {
    server.hangPublishes(true);
    publishMany(MESSAGES);

    long start = System.nanoTime();
    Throwable thrown = catchThrowable(() -> publisher.flush(Duration.ofSeconds(1)));
    long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertThat(took).as("flush(1 s) took %d ms", took).isLessThan(1000 + SLACK_MILLIS);
    assertThat(thrown)
        .isInstanceOf(TimeoutException.class)
        .hasMessageContaining("still unconfirmed after 1000 ms; " + MESSAGES + " unconfirmed in all");
  }

  @Test
  void publishAndWaitAgainstAServerThatNeverAnswersReturnsWithinTheFlushTimeout() throws Exception {
    server.hangPublishes(true);
    publishMany(FEWER_MESSAGES);

    long start = System.nanoTime();
    Throwable thrown = catchThrowable(() -> publisher.publishAndWait(message("one more")));
    long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertThat(took).as("publishAndWait with a 1 s flush timeout took %d ms", took).isLessThan(1000 + SLACK_MILLIS);
    assertThat(thrown).isInstanceOf(TimeoutException.class).hasMessageContaining("not confirmed within the 1000 ms flush timeout");
  }

  @Test
  void publishingThreadsNeverWaitAtTheInFlightCapWhenTheServerStopsAnswering() throws Exception {
    server.hangPublishes(true);
    publishMany(FEWER_MESSAGES);
    assertThatThrownBy(() -> publisher.flush(Duration.ofMillis(500))).isInstanceOf(TimeoutException.class);

    List<String> waitingAtTheCap = new ArrayList<>();
    for (int sample = 0; sample < 20; sample++) {
      for (Map.Entry<Thread, StackTraceElement[]> thread : Thread.getAllStackTraces().entrySet()) {
        if (thread.getKey().getName().startsWith("fnclients-pubsub-")) {
          for (StackTraceElement frame : thread.getValue()) {
            // Parked (waiting for a permit) with the cap on the stack; refusing at once is fine.
            if (frame.getClassName().endsWith(".ConnectionCap") && thread.getValue()[0].getMethodName().equals("park")) {
              waitingAtTheCap.add(thread.getKey().getName() + " at " + frame);
            }
          }
        }
      }
      Thread.sleep(10);
    }

    assertThat(waitingAtTheCap).as("publisher threads blocked at the in-flight cap").isEmpty();
    assertThat(server.maxConcurrentPublishCalls()).as("calls the server held at once: the cap").isEqualTo(100);
    assertThat(fixture.grpcStats.count(MetricNames.CAP_REJECTIONS))
        .as("calls refused by the channel's cap, each retried by the client in a loop")
        .isZero();
  }

  @Test
  void unavailableBurstIsRetriedByThePubsubClientAloneNotByTheChannelToo() throws Exception {
    server.failNext(2, Status.Code.UNAVAILABLE);

    publisher.publishAndWait(message("after a burst"));

    assertThat(server.publishCalls()).as("two failed attempts and the one that succeeded").isEqualTo(3);
    assertThat(fixture.grpcStats.count(MetricNames.RETRIES)).as("no second layer of retries in the channel").isZero();
    assertThat(server.messages()).hasSize(1);
  }

  private void publishMany(int messages) {
    for (int i = 0; i < messages; i++) {
      publisher.publish(message("m" + i));
    }
  }
}
