package dev.fnclients;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fnclients.testkit.ChildJvm;
import dev.fnclients.testkit.IdleKillingProxy;
import dev.fnclients.testkit.IdleKillingProxy.Mode;
import dev.fnclients.testkit.grpc.EchoGrpcServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A throttled instance making gRPC calls: frozen with SIGSTOP past the NAT's idle window between
 * calls, so grpc-java's idle timer and keepalive never run. FnClients.grpc() still never stalls;
 * a default channel fails (RST) or hangs until its deadline (silent drop).
 */
class FrozenGrpcInstanceTest {
  private static final Duration NAT_IDLE_LIMIT = Duration.ofMillis(1000);
  private static final Duration FROZEN_FOR = Duration.ofMillis(1300);
  private static final Duration ANSWER = Duration.ofSeconds(20);

  private EchoGrpcServer server;
  private IdleKillingProxy nat;
  private ChildJvm instance;

  @BeforeEach
  void setUp() throws Exception {
    server = EchoGrpcServer.start();
  }

  @AfterEach
  void tearDown() {
    if (instance != null) {
      instance.close();
    }
    if (nat != null) {
      nat.close();
    }
    server.close();
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void everyCallAfterAFreezeSucceedsWithinASecond(Mode mode) throws Exception {
    nat = IdleKillingProxy.start(server.address(), NAT_IDLE_LIMIT, mode);
    instance = ChildJvm.builder(FunctionInstanceMain.class).args("fnclients").env("FNCLIENTS_MAX_IDLE_AGE", "500ms").start();
    instance.expectLine("READY", ANSWER);

    List<String> answers = Freezes.invocations(instance, "GRPC 127.0.0.1:" + nat.port(), 11, FROZEN_FOR);

    assertThat(answers).allSatisfy(a -> assertThat(a).startsWith("OK "));
    assertThat(answers.subList(1, answers.size()))
        .allSatisfy(a -> assertThat(Long.parseLong(a.split(" ")[1])).as(a).isLessThan(1000));
    // A call into a dead connection would fail (RST) and be retried, or hang (drop). None was:
    // the channel was reset before every call that followed a freeze. (The proxy may still see
    // the GOAWAY that closes the old connection written into it.)
    assertThat(answers.get(answers.size() - 1)).contains("RETRIES=0").contains("IDLE_EVICTIONS=10").contains("CLIENTS_CREATED=1");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void defaultChannelFailsOrHangsAfterAFreeze(Mode mode) throws Exception {
    nat = IdleKillingProxy.start(server.address(), NAT_IDLE_LIMIT, mode);
    instance = ChildJvm.builder(FunctionInstanceMain.class).args("default").start();
    instance.expectLine("READY", ANSWER);

    List<String> answers = Freezes.invocations(instance, "GRPC 127.0.0.1:" + nat.port(), 3, FROZEN_FOR);

    assertThat(nat.killedConnections()).isGreaterThanOrEqualTo(1);
    String expected = mode == Mode.RESET ? "UNAVAILABLE" : "DEADLINE_EXCEEDED";
    assertThat(answers).anySatisfy(a -> assertThat(a).startsWith("FAIL ").contains(expected));
  }
}
