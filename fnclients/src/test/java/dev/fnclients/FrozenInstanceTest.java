package dev.fnclients;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.fnclients.testkit.ChildJvm;
import dev.fnclients.testkit.IdleKillingProxy;
import dev.fnclients.testkit.IdleKillingProxy.Mode;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A throttled instance: a child JVM makes a request, is stopped with SIGSTOP past the NAT's idle
 * window (no thread of it runs: no pool cleanup, no timers), continued with SIGCONT, and makes the
 * next request. FnClients never stalls; a default shared client does.
 */
class FrozenInstanceTest {
  private static final Duration NAT_IDLE_LIMIT = Duration.ofMillis(1000);
  private static final Duration FROZEN_FOR = Duration.ofMillis(1300);
  private static final Duration ANSWER = Duration.ofSeconds(20);

  private WireMockServer server;
  private IdleKillingProxy nat;
  private ChildJvm instance;

  @BeforeEach
  void setUp() {
    server = new WireMockServer(wireMockConfig().dynamicPort());
    server.start();
    server.stubFor(get(urlEqualTo("/work")).willReturn(aResponse().withBody("done")));
  }

  @AfterEach
  void tearDown() {
    if (instance != null) {
      instance.close();
    }
    if (nat != null) {
      nat.close();
    }
    server.stop();
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void everyInvocationAfterAFreezeSucceedsWithoutAStall(Mode mode) throws Exception {
    nat = IdleKillingProxy.start(new InetSocketAddress("127.0.0.1", server.port()), NAT_IDLE_LIMIT, mode);
    instance =
        ChildJvm.builder(FunctionInstanceMain.class)
            .args("fnclients")
            .env("FNCLIENTS_MAX_IDLE_AGE", "500ms")
            .env("FNCLIENTS_READ_TIMEOUT", "3s")
            .start();
    instance.expectLine("READY", ANSWER);

    List<String> answers = Freezes.invocations(instance, "GET " + nat.url("http") + "/work", 11, FROZEN_FOR);

    assertThat(answers).hasSize(11).allSatisfy(a -> assertThat(a).startsWith("OK "));
    assertThat(answers.subList(1, answers.size()))
        .as("every invocation after an idle gap (the first one warms a cold JVM)")
        .allSatisfy(a -> assertThat(millis(a)).as("latency of " + a).isLessThan(1000));
    assertThat(nat.killedConnections()).as("requests sent into a dead connection").isZero();
    instance.send("STATS");
    String stats = instance.expectLine("STATS", ANSWER);
    assertThat(stats).contains("CLIENTS_CREATED=1");
  }

  @ParameterizedTest
  @EnumSource(value = Mode.class, names = "DROP")
  void defaultSharedClientStallsAfterAFreezeBehindASilentDrop(Mode mode) throws Exception {
    nat = IdleKillingProxy.start(new InetSocketAddress("127.0.0.1", server.port()), NAT_IDLE_LIMIT, mode);
    instance = ChildJvm.builder(FunctionInstanceMain.class).args("default").start();
    instance.expectLine("READY", ANSWER);

    List<String> answers = Freezes.invocations(instance, "GET " + nat.url("http") + "/work", 3, FROZEN_FOR);

    assertThat(answers.subList(1, answers.size()))
        .as("an invocation after a freeze hits the dead connection and stalls until the read timeout")
        .anySatisfy(a -> {
          assertThat(a).startsWith("FAIL ");
          assertThat(millis(a)).isGreaterThanOrEqualTo(2900);
        });
    assertThat(nat.killedConnections()).isGreaterThanOrEqualTo(1);
  }

  private static long millis(String answer) {
    return Long.parseLong(answer.split(" ")[1]);
  }
}
