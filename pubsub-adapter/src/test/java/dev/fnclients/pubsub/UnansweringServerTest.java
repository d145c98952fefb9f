package dev.fnclients.pubsub;

import static dev.fnclients.pubsub.PublisherFixture.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.api.core.ApiFuture;
import com.google.api.gax.rpc.DeadlineExceededException;
import com.google.pubsub.v1.TopicName;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.testkit.pubsub.LoopbackPubsubServer;
import io.grpc.Status;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
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

    Timed timed =
        timed(
            () -> {
              publisher.flush(Duration.ofSeconds(1));
              return null;
            });
    System.out.println("flush(1 s) with " + MESSAGES + " waiting: " + timed);

    assertThat(timed.millisOutsideGc())
        .as("flush(1 s) took %s", timed)
        .isLessThan(1000 + SLACK_MILLIS);
    Throwable thrown = timed.thrown;
    assertThat(thrown)
        .isInstanceOf(TimeoutException.class)
        .hasMessageContaining(
            "still unconfirmed after 1000 ms; " + MESSAGES + " unconfirmed in all");
  }

  @Test
  void publishAndWaitAgainstAServerThatNeverAnswersReturnsWithinTheFlushTimeout() throws Exception {
    server.hangPublishes(true);
    publishMany(MESSAGES);

    Timed timed = timed(() -> publisher.publishAndWait(message("one more")));
    System.out.println("publishAndWait (1 s) with " + MESSAGES + " waiting: " + timed);

    assertThat(timed.millisOutsideGc())
        .as("publishAndWait with a 1 s flush timeout took %s", timed)
        .isLessThan(1000 + SLACK_MILLIS);
    Throwable thrown = timed.thrown;
    assertThat(thrown)
        .isInstanceOf(TimeoutException.class)
        .hasMessageContaining("not confirmed within the 1000 ms flush timeout");
  }

  @Test
  void publishingThreadsNeverWaitAtTheInFlightCapWhenTheServerStopsAnswering() throws Exception {
    server.hangPublishes(true);
    publishMany(FEWER_MESSAGES);
    assertThatThrownBy(() -> publisher.flush(Duration.ofMillis(500)))
        .isInstanceOf(TimeoutException.class);

    List<String> waitingAtTheCap = new ArrayList<>();
    for (int sample = 0; sample < 20; sample++) {
      for (Map.Entry<Thread, StackTraceElement[]> thread : Thread.getAllStackTraces().entrySet()) {
        if (thread.getKey().getName().startsWith("fnclients-pubsub-")) {
          for (StackTraceElement frame : thread.getValue()) {
            // Parked (waiting for a permit) with the cap on the stack; refusing at once is fine.
            if (frame.getClassName().endsWith(".ConnectionCap")
                && thread.getValue()[0].getMethodName().equals("park")) {
              waitingAtTheCap.add(thread.getKey().getName() + " at " + frame);
            }
          }
        }
      }
      Thread.sleep(10);
    }

    assertThat(waitingAtTheCap).as("publisher threads blocked at the in-flight cap").isEmpty();
    assertThat(server.maxConcurrentPublishCalls())
        .as("calls the server held at once: the cap")
        .isEqualTo(100);
    assertThat(fixture.grpcStats.count(MetricNames.CAP_REJECTIONS))
        .as("calls refused by the channel's cap, each retried by the client in a loop")
        .isZero();
  }

  @Test
  void aMessageWithoutAnOrderingKeyFailsAtThePublishTimeoutWhileOneWithAKeyIsRetriedToKeepItsOrder()
      throws Exception {
    fixture.close();
    fixture =
        new PublisherFixture(TOPIC, server.target(), Duration.ofSeconds(1), Duration.ofSeconds(10));
    publisher = fixture.publisher;
    server.hangPublishes(true);

    ApiFuture<String> plain = publisher.publish(message("no key"));
    ApiFuture<String> keyed =
        publisher.publish(message("keyed").toBuilder().setOrderingKey("customer-7").build());
    assertThatThrownBy(() -> publisher.flush(Duration.ofMillis(1)))
        .isInstanceOf(TimeoutException.class); // sent at once

    assertThatThrownBy(() -> plain.get(15, TimeUnit.SECONDS))
        .as("failed by the client once its 10 s publish timeout is spent")
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(DeadlineExceededException.class);
    assertThat(keyed).as("still retried, so that the key's order holds").isNotDone();
  }

  @Test
  void unavailableBurstIsRetriedByThePubsubClientAloneNotByTheChannelToo() throws Exception {
    server.failNext(2, Status.Code.UNAVAILABLE);

    publisher.publishAndWait(message("after a burst"));

    assertThat(server.publishCalls())
        .as("two failed attempts and the one that succeeded")
        .isEqualTo(3);
    assertThat(fixture.grpcStats.count(MetricNames.RETRIES))
        .as("no second layer of retries in the channel")
        .isZero();
    assertThat(server.messages()).hasSize(1);
  }

  /**
   * How long {@code call} took, and how much of that the JVM spent in stop-the-world collections:
   * right after tens of thousands of messages are published, a young collection has them all to
   * copy, and on a crowded CPU that pause alone can pass 100 ms. It stops every thread, the
   * publisher's included, so it is counted apart from the publisher's own time.
   */
  private static Timed timed(Callable<?> call) {
    long gcBefore = gcMillis();
    long start = System.nanoTime();
    Throwable thrown = null;
    try {
      call.call();
    } catch (
        Throwable t) { // not AssertJ's catchThrowable: loading it on first use would be timed too
      thrown = t;
    }
    long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    return new Timed(took, gcMillis() - gcBefore, thrown);
  }

  private static long gcMillis() {
    long total = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      total += Math.max(0, gc.getCollectionTime());
    }
    return total;
  }

  private record Timed(long millis, long gcMillis, Throwable thrown) {
    long millisOutsideGc() {
      return millis - gcMillis;
    }

    @Override
    public String toString() {
      return millis + " ms, " + gcMillis + " ms of them in GC pauses";
    }
  }

  private void publishMany(int messages) {
    for (int i = 0; i < messages; i++) {
      publisher.publish(message("m" + i));
    }
  }
}
