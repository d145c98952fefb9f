package dev.fnclients;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fnclients.testkit.ChildJvm;
import dev.fnclients.testkit.IdleKillingProxy;
import dev.fnclients.testkit.IdleKillingProxy.Mode;
import dev.fnclients.testkit.pubsub.PubsubEmulator;
import dev.fnclients.testkit.pubsub.PubsubEmulatorExtension;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A throttled instance publishing to the real Pub/Sub emulator after freezes past the NAT window:
 * every publish confirmed within a second.
 */
class FrozenPubsubInstanceTest {
  @RegisterExtension static final PubsubEmulatorExtension PUBSUB = new PubsubEmulatorExtension();
  private static final Duration ANSWER = Duration.ofSeconds(20);
  private PubsubEmulator emulator;
  private String topic;
  private String subscription;
  private IdleKillingProxy nat;
  private ChildJvm instance;

  @BeforeEach
  void setUp() {
    emulator = PUBSUB.emulator();
    String id = "orders-" + System.nanoTime();
    topic = "projects/fn-project/topics/" + id;
    subscription = "projects/fn-project/subscriptions/" + id + "-check";
    emulator.createTopic(topic);
    emulator.createSubscription(subscription, topic);
  }

  @AfterEach
  void tearDown() {
    if (instance != null) {
      instance.close();
    }
    if (nat != null) {
      nat.close();
    }
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void everyPublishAfterAFreezeIsConfirmedWithinASecond(Mode mode) throws Exception {
    nat = IdleKillingProxy.start(emulator.address(), Duration.ofMillis(1000), mode);
    instance =
        ChildJvm.builder(FunctionInstanceMain.class)
            .args("fnclients")
            .env("PUBSUB_EMULATOR_HOST", nat.host() + ":" + nat.port())
            .env("FNCLIENTS_MAX_IDLE_AGE", "500ms")
            .start();
    instance.expectLine("READY", ANSWER);

    List<String> answers = Freezes.invocations(instance, "PUB " + topic, 11, Duration.ofMillis(1300));

    assertThat(answers).allSatisfy(a -> assertThat(a).startsWith("OK "));
    assertThat(answers.subList(1, answers.size())).allSatisfy(a -> assertThat(Long.parseLong(a.split(" ")[1])).as(a).isLessThan(1000));
    assertThat(answers.get(answers.size() - 1)).as("the shared channel was reset before each publish after a freeze").contains("IDLE_EVICTIONS=10");
    assertThat(emulator.pullAll(subscription, Duration.ofMillis(200))).hasSize(11);
  }
}
