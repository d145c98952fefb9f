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
import dev.fnclients.testkit.grpc.EchoGrpcServer;
import dev.fnclients.testkit.pubsub.PubsubEmulator;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A throttled instance, for each transport: a child JVM makes a call, is stopped with SIGSTOP past
 * the NAT's idle window (no thread of it runs: no pool cleanup, no timers, no keepalive), continued
 * with SIGCONT, and makes the next call. FnClients never stalls; a default shared client or channel
 * fails (RST) or hangs until its timeout (silent drop).
 */
class FrozenInstanceTest {
  private static final Duration NAT_IDLE_LIMIT = Duration.ofMillis(1000);
  private static final Duration FROZEN_FOR = Duration.ofMillis(1300);
  private static final Duration ANSWER = Duration.ofSeconds(20);

  /**
   * What the instance calls: an HTTP GET (WireMock), a unary gRPC call (echo), a Pub/Sub publish.
   */
  enum Transport {
    HTTP,
    GRPC,
    PUBSUB
  }

  /** The real Pub/Sub emulator, one for the class, started before the first test. */
  @RegisterExtension static final PubsubEmulator PUBSUB = new PubsubEmulator();

  private AutoCloseable server;
  private String topic;
  private String subscription;
  private IdleKillingProxy nat;
  private ChildJvm instance;

  @AfterEach
  void tearDown() throws Exception {
    if (instance != null) {
      instance.close();
    }
    if (nat != null) {
      nat.close();
    }
    if (server != null) {
      server.close();
    }
  }

  static Stream<Arguments> everyTransportAndMode() {
    return Stream.of(Transport.values())
        .flatMap(t -> Stream.of(Mode.values()).map(m -> Arguments.of(t, m)));
  }

  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("everyTransportAndMode")
  void everyInvocationAfterAFreezeSucceedsWithinASecond(Transport transport, Mode mode)
      throws Exception {
    List<String> answers = invocations(transport, mode, "fnclients", 11);

    assertThat(answers).hasSize(11).allSatisfy(a -> assertThat(a).startsWith("OK "));
    assertThat(answers.subList(1, answers.size()))
        .as("every invocation after an idle gap (the first one warms a cold JVM)")
        .allSatisfy(a -> assertThat(millis(a)).as("latency of " + a).isLessThan(1000));
    String last = answers.get(answers.size() - 1);
    switch (transport) {
      case HTTP -> {
        assertThat(nat.killedConnections()).as("requests sent into a dead connection").isZero();
        instance.send("STATS");
        assertThat(instance.expectLine("STATS", ANSWER)).contains("CLIENTS_CREATED=1");
      }
      // A call into a dead connection would fail (RST) and be retried, or hang (drop). None was:
      // the channel was reset before every call that followed a freeze. (The proxy may still see
      // the GOAWAY that closes the old connection written into it.)
      case GRPC ->
          assertThat(last)
              .contains("RETRIES=0")
              .contains("IDLE_EVICTIONS=10")
              .contains("CLIENTS_CREATED=1");
      case PUBSUB -> {
        assertThat(last)
            .as("the shared channel was reset before each publish after a freeze")
            .contains("IDLE_EVICTIONS=10");
        assertThat(PUBSUB.pullAll(subscription, Duration.ofMillis(200))).hasSize(11);
      }
    }
  }

  @ParameterizedTest(name = "{0}, {1}")
  @CsvSource({
    "HTTP, DROP",
    "GRPC, RESET",
    "GRPC, DROP"
  }) // after an RST, OkHttp silently retries a GET
  void defaultClientFailsOrHangsAfterAFreeze(Transport transport, Mode mode) throws Exception {
    List<String> answers = invocations(transport, mode, "default", 3);

    assertThat(nat.killedConnections()).isGreaterThanOrEqualTo(1);
    if (transport == Transport.HTTP) {
      assertThat(answers.subList(1, answers.size()))
          .as(
              "an invocation after a freeze hits the dead connection and stalls until the read timeout")
          .anySatisfy(
              a -> {
                assertThat(a).startsWith("FAIL ");
                assertThat(millis(a)).isGreaterThanOrEqualTo(2900);
              });
    } else {
      String expected = mode == Mode.RESET ? "UNAVAILABLE" : "DEADLINE_EXCEEDED";
      assertThat(answers).anySatisfy(a -> assertThat(a).startsWith("FAIL ").contains(expected));
    }
  }

  /**
   * Starts the transport's server, the NAT in front of it and the instance ({@link
   * FunctionInstanceMain} with {@code client}), and sends {@code count} invocations; before every
   * one but the first, the instance is frozen for {@link #FROZEN_FOR}.
   */
  private List<String> invocations(Transport transport, Mode mode, String client, int count)
      throws Exception {
    InetSocketAddress address =
        switch (transport) {
          case HTTP -> {
            WireMockServer wireMock = new WireMockServer(wireMockConfig().dynamicPort());
            wireMock.start();
            server = wireMock::stop;
            wireMock.stubFor(get(urlEqualTo("/work")).willReturn(aResponse().withBody("done")));
            yield new InetSocketAddress("127.0.0.1", wireMock.port());
          }
          case GRPC -> {
            EchoGrpcServer echo = EchoGrpcServer.start();
            server = echo;
            yield echo.address();
          }
          case PUBSUB -> {
            PubsubEmulator emulator = PUBSUB;
            String id = "orders-" + System.nanoTime();
            topic = "projects/fn-project/topics/" + id;
            subscription = "projects/fn-project/subscriptions/" + id + "-check";
            emulator.createTopic(topic);
            emulator.createSubscription(subscription, topic);
            yield emulator.address();
          }
        };
    nat = IdleKillingProxy.start(address, NAT_IDLE_LIMIT, mode);
    instance =
        ChildJvm.builder(FunctionInstanceMain.class)
            .args(client)
            .env("FNCLIENTS_MAX_IDLE_AGE", "500ms")
            .env("FNCLIENTS_READ_TIMEOUT", "3s")
            .env("PUBSUB_EMULATOR_HOST", nat.host() + ":" + nat.port())
            .start();
    instance.expectLine("READY", ANSWER);
    String command =
        switch (transport) {
          case HTTP -> "GET " + nat.url("http") + "/work";
          case GRPC -> "GRPC 127.0.0.1:" + nat.port();
          case PUBSUB -> "PUB " + topic;
        };
    List<String> answers = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      if (i > 0) {
        instance.freezeFor(FROZEN_FOR); // the injected fault: the platform throttles the instance
      }
      instance.send(command);
      answers.add(instance.readLine(ANSWER));
    }
    return answers;
  }

  private static long millis(String answer) {
    return Long.parseLong(answer.split(" ")[1]);
  }
}
