package dev.fnclients;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fnclients.testkit.ChildJvm;
import dev.fnclients.testkit.pubsub.LoopbackPubsubServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM while publishing: the shutdown hook flushes within its budget; every future handed out
 * completes, and every message reported sent is on the server.
 */
class PubsubShutdownTest {
  private static final String TOPIC = "projects/fn-project/topics/orders";
  private static final int MESSAGES = 200;

  private LoopbackPubsubServer server;
  private ChildJvm instance;

  @BeforeEach
  void setUp() throws Exception {
    server = LoopbackPubsubServer.start();
  }

  @AfterEach
  void tearDown() {
    if (instance != null) {
      instance.close();
    }
    server.close();
  }

  @Test
  void sigtermWhilePublishingLosesNoMessageThatWasReportedSent() throws Exception {
    server.delayPublishes(Duration.ofMillis(400)); // messages are in flight when SIGTERM arrives
    List<String> outcomes = publishThenTerminate("8s");

    assertThat(outcomes).as("every future completed, none left pending").hasSize(MESSAGES);
    List<String> acked = outcomes.stream().filter(o -> o.startsWith("ACK ")).map(o -> o.split(" ")[2]).toList();
    assertThat(acked).as("the hook flushed what was in flight").hasSize(MESSAGES);
    assertThat(server.messageIds()).containsAll(acked);
  }

  @Test
  void messagesTheServerNeverConfirmsFailWhenTheBudgetRunsOutInsteadOfStayingPending() throws Exception {
    server.hangPublishes(true);
    List<String> outcomes = publishThenTerminate("2s");

    assertThat(outcomes).hasSize(MESSAGES).allSatisfy(o -> assertThat(o).startsWith("NACK ").endsWith("PublishNotConfirmedException"));
    assertThat(server.messageIds()).isEmpty();
  }

  /** Publishes, sends SIGTERM, and returns every ACK/NACK line the child printed before it exited. */
  private List<String> publishThenTerminate(String shutdownBudget) throws Exception {
    instance =
        ChildJvm.builder(PublishingInstanceMain.class)
            .args(TOPIC)
            .env("PUBSUB_EMULATOR_HOST", server.target())
            .env("FNCLIENTS_SHUTDOWN_TIMEOUT", shutdownBudget)
            .start();
    instance.expectLine("READY", Duration.ofSeconds(20));
    instance.send("PUBLISH " + MESSAGES);
    List<String> outcomes = new ArrayList<>();
    for (String line = instance.readLine(Duration.ofSeconds(20)); !line.startsWith("SENT"); line = instance.readLine(Duration.ofSeconds(20))) {
      outcomes.add(line);
    }
    instance.terminate();
    // The hook must finish within its budget; the JVM then exits on its own.
    int exit = instance.waitFor(Duration.ofSeconds(20));
    assertThat(exit).isNotZero();
    while (true) {
      try {
        String line = instance.readLine(Duration.ofSeconds(5));
        if (line.startsWith("ACK ") || line.startsWith("NACK ")) {
          outcomes.add(line);
        }
      } catch (java.io.IOException endOfOutput) {
        break;
      }
    }
    assertThat(Set.copyOf(outcomes)).as("each outcome once").hasSize(outcomes.size());
    return outcomes;
  }
}
