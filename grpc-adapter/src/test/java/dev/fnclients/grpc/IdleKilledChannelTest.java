package dev.fnclients.grpc;

import static dev.fnclients.testkit.grpc.EchoGrpcServer.SAY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.fnclients.grpc.spi.FnGrpc;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.spi.TransportStats;
import dev.fnclients.testkit.IdleKillingProxy;
import dev.fnclients.testkit.IdleKillingProxy.Mode;
import dev.fnclients.testkit.grpc.EchoGrpcServer;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Behind a NAT that kills idle connections, unary calls after idle gaps: FnClients' channel gets a
 * fresh connection every time; a default channel sends into the dead one and fails (RST) or hangs
 * until its deadline (silent drop).
 */
class IdleKilledChannelTest {
  private static final Duration NAT_IDLE_LIMIT = Duration.ofMillis(800);
  private static final Duration IDLE_GAP = Duration.ofMillis(1100);

  private EchoGrpcServer server;
  private IdleKillingProxy nat;
  private ManagedChannel channel;

  @BeforeEach
  void setUp() throws Exception {
    server = EchoGrpcServer.start();
  }

  @AfterEach
  void tearDown() {
    GrpcTestSupport.close(channel);
    nat.close();
    server.close();
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void everyCallAfterAnIdleGapSucceedsWithinASecond(Mode mode) throws Exception {
    nat = IdleKillingProxy.start(server.address(), NAT_IDLE_LIMIT, mode);
    TransportStats stats = new TransportStats("grpc");
    channel =
        FnGrpc.newChannel(
            "127.0.0.1:" + nat.port(),
            GrpcTestSupport.PLAINTEXT,
            GrpcTestSupport.config().maxIdleAge(Duration.ofMillis(400)).build(),
            stats);

    List<Outcome> outcomes = calls(5, () -> CallOptions.DEFAULT);

    assertThat(outcomes).allSatisfy(o -> assertThat(o.code).isEqualTo(Status.Code.OK));
    assertThat(outcomes.subList(1, outcomes.size()))
        .allSatisfy(o -> assertThat(o.millis).isLessThan(1000));
    // A call sent into a dead connection fails (RST) and is retried, or hangs (drop): none was.
    // The proxy may count the GOAWAY that closes an old connection, so it is not asked here.
    assertThat(stats.count(MetricNames.STATUS_RETRIES)).isZero();
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void defaultChannelFailsOrHangsAfterAnIdleGap(Mode mode) throws Exception {
    nat = IdleKillingProxy.start(server.address(), NAT_IDLE_LIMIT, mode);
    channel =
        Grpc.newChannelBuilder("127.0.0.1:" + nat.port(), InsecureChannelCredentials.create())
            .build();

    List<Outcome> outcomes =
        calls(3, () -> CallOptions.DEFAULT.withDeadlineAfter(2, TimeUnit.SECONDS));

    assertThat(nat.killedConnections()).isGreaterThanOrEqualTo(1);
    if (mode == Mode.RESET) {
      assertThat(outcomes).anySatisfy(o -> assertThat(o.code).isEqualTo(Status.Code.UNAVAILABLE));
    } else {
      assertThat(outcomes)
          .anySatisfy(
              o -> {
                assertThat(o.code).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
                assertThat(o.millis).as("hung until the deadline").isGreaterThanOrEqualTo(1900);
              });
    }
  }

  private List<Outcome> calls(int count, Supplier<CallOptions> options)
      throws InterruptedException {
    List<Outcome> outcomes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      if (i > 0) {
        Thread.sleep(IDLE_GAP.toMillis()); // the injected fault: an idle gap past the NAT's window
      }
      long start = System.nanoTime();
      Status.Code code;
      try {
        EchoGrpcServer.call(channel, SAY, "call " + i, options.get());
        code = Status.Code.OK;
      } catch (StatusRuntimeException e) {
        code = e.getStatus().getCode();
      }
      outcomes.add(new Outcome(code, (System.nanoTime() - start) / 1_000_000));
    }
    return outcomes;
  }

  private static final class Outcome {
    final Status.Code code;
    final long millis;

    Outcome(Status.Code code, long millis) {
      this.code = code;
      this.millis = millis;
    }

    @Override
    public String toString() {
      return code + " in " + millis + " ms";
    }
  }
}
