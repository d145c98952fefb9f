package dev.fnclients;

import static dev.fnclients.PublishingInstanceMain.CONFIRMED;
import static dev.fnclients.PublishingInstanceMain.NOT_CONFIRMED_SENT;
import static dev.fnclients.PublishingInstanceMain.NOT_CONFIRMED_UNSENT;
import static dev.fnclients.PublishingInstanceMain.PENDING;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.pubsub.v1.PubsubMessage;
import dev.fnclients.testkit.ChildJvm;
import dev.fnclients.testkit.pubsub.PubsubEmulator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM while publishing, to the real Pub/Sub emulator, healthy or stalled (its JVM stopped with
 * SIGSTOP): the instance exits within the shutdown budget plus a second with every future complete;
 * a future fails only with {@code PublishNotConfirmedException}, one that says its message was not
 * sent is for a message the server does not have, and every message reported confirmed is on the
 * server.
 */
class PubsubShutdownTest {
  @RegisterExtension static final PubsubEmulator PUBSUB = new PubsubEmulator();
  private static final AtomicInteger TOPICS = new AtomicInteger();

  /**
   * Published just before SIGTERM: at about ten to a batch, more than the 100 calls the in-flight
   * cap lets out, so that a stalled server leaves some in calls sent to it and some not sent.
   */
  private static final int MESSAGES = 5_000;

  /** Few enough for the emulator to confirm within the budget even on a busy machine. */
  private static final int HEALTHY_MESSAGES = 2_000;

  private static final Duration BUDGET = Duration.ofSeconds(4);

  @TempDir Path dir;
  private PubsubEmulator emulator;
  private String topic;
  private String subscription;
  private ChildJvm instance;

  @BeforeEach
  void setUp() {
    emulator = PUBSUB;
    int n = TOPICS.incrementAndGet();
    topic = "projects/fn-project/topics/orders-" + n;
    subscription = "projects/fn-project/subscriptions/orders-" + n + "-check";
    emulator.createTopic(topic);
    emulator.createSubscription(
        subscription, topic); // before publishing: it sees only what follows
  }

  @AfterEach
  void tearDown() {
    emulator.thaw(); // harmless when running
    if (instance != null) {
      instance.close();
    }
  }

  @Test
  void sigtermWhilePublishingToAHealthyServerConfirmsEveryMessage() throws Exception {
    Outcome outcome = publishThenTerminate(HEALTHY_MESSAGES, BUDGET, () -> {});

    assertThat(outcome.count(CONFIRMED))
        .as("the hook flushed what was in flight")
        .isEqualTo(HEALTHY_MESSAGES);
    assertThat(outcome.onServer).containsAll(outcome.with(CONFIRMED));
  }

  @Test
  void sigtermWithTheServerStalled200msBeforeLeavesNoFuturePendingAndNoFalseFailure()
      throws Exception {
    Outcome outcome =
        publishThenTerminate(
            MESSAGES,
            BUDGET,
            () -> {
              emulator.freeze();
              sleep(200);
            });

    assertNoFalseFailure(outcome);
  }

  @Test
  void sigtermAsTheServerStallsLeavesNoFuturePendingAndNoFalseFailure() throws Exception {
    Outcome outcome = publishThenTerminate(MESSAGES, BUDGET, emulator::freeze);

    assertNoFalseFailure(outcome);
  }

  private void assertNoFalseFailure(Outcome outcome) {
    assertThat(outcome.count(NOT_CONFIRMED_SENT) + outcome.count(NOT_CONFIRMED_UNSENT))
        .as("futures failed: the server stalled with messages in flight")
        .isPositive();
    assertThat(outcome.count(NOT_CONFIRMED_UNSENT)).as("failed, reported not sent").isPositive();
    assertThat(outcome.onServer)
        .as("messages reported not sent that are on the server")
        .doesNotContainAnyElementsOf(outcome.with(NOT_CONFIRMED_UNSENT));
    assertThat(outcome.onServer)
        .as("messages reported confirmed are on the server")
        .containsAll(outcome.with(CONFIRMED));
  }

  /**
   * Starts an instance, has it publish {@code messages} messages without waiting, runs {@code
   * beforeSigterm}, sends SIGTERM, checks that the instance exits within the budget plus a second
   * with every future complete and none failed but with {@code PublishNotConfirmedException}, then
   * thaws the emulator and pulls what it holds.
   */
  private Outcome publishThenTerminate(int messages, Duration budget, Runnable beforeSigterm)
      throws Exception {
    Path outcomes = dir.resolve("outcomes");
    instance =
        ChildJvm.builder(PublishingInstanceMain.class)
            .args(topic, outcomes.toString())
            .env("PUBSUB_EMULATOR_HOST", emulator.target())
            .env("FNCLIENTS_SHUTDOWN_TIMEOUT", budget.toMillis() + "ms")
            .jvmArgs("-Xmx256m")
            .start();
    instance.expectLine("READY", Duration.ofSeconds(30));
    instance.send("PUBLISH " + messages);
    instance.expectLine("SENT", Duration.ofSeconds(30));

    beforeSigterm.run();
    long sigterm = System.nanoTime();
    instance.terminate();
    instance.waitFor(budget.plusSeconds(10));
    long exitMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sigterm);
    List<String> otherFailures = new ArrayList<>();
    while (true) {
      try {
        otherFailures.add(instance.readLine(Duration.ofSeconds(5)));
      } catch (IOException endOfOutput) {
        break;
      }
    }
    Outcome outcome = new Outcome(Files.readAllBytes(outcomes));
    assertThat(outcome.codes).as("an outcome slot per message").hasSize(messages);
    emulator.thaw();
    for (PubsubMessage m : emulator.pullAll(subscription, Duration.ofMillis(300))) {
      outcome.onServer.add(Integer.parseInt(m.getData().toStringUtf8().substring(1).split(" ")[0]));
    }
    System.out.printf(
        "%s: exit %d ms after SIGTERM; %d confirmed, %d failed sent, %d failed not sent, %d pending; %d on the server%n",
        budget,
        exitMillis,
        outcome.count(CONFIRMED),
        outcome.count(NOT_CONFIRMED_SENT),
        outcome.count(NOT_CONFIRMED_UNSENT),
        outcome.count(PENDING),
        outcome.onServer.size());

    assertThat(exitMillis)
        .as("exit after SIGTERM, ms (budget %d ms)", budget.toMillis())
        .isLessThanOrEqualTo(budget.toMillis() + 1000);
    assertThat(outcome.count(PENDING))
        .as("futures still pending when the instance exited")
        .isZero();
    assertThat(otherFailures)
        .as(
            "failures other than PublishNotConfirmedException (an executor's rejection, an interrupt)")
        .isEmpty();
    return outcome;
  }

  /** Each future's outcome, by message index, and the indexes of the messages on the server. */
  private static final class Outcome {
    final byte[] codes;
    final Set<Integer> onServer = new HashSet<>();

    Outcome(byte[] codes) {
      this.codes = codes;
    }

    long count(byte code) {
      return with(code).size();
    }

    Set<Integer> with(byte code) {
      Set<Integer> indexes = new HashSet<>();
      for (int i = 0; i < codes.length; i++) {
        if (codes[i] == code) {
          indexes.add(i);
        }
      }
      return indexes;
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
