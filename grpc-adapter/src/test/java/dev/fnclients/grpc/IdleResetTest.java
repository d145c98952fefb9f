package dev.fnclients.grpc;

import static dev.fnclients.testkit.grpc.EchoGrpcServer.SAY;
import static dev.fnclients.testkit.grpc.EchoGrpcServer.SLOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fnclients.grpc.spi.FnGrpc;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.spi.TransportStats;
import dev.fnclients.testkit.IdleKillingProxy;
import dev.fnclients.testkit.ManualClock;
import dev.fnclients.testkit.grpc.EchoGrpcServer;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The channel is reset by wall clock, on the calling thread, when it has been idle past the maximum
 * idle age.
 */
class IdleResetTest {
  private final ManualClock clock = new ManualClock();
  private final TransportStats stats = new TransportStats("grpc");
  private EchoGrpcServer server;
  private IdleKillingProxy counter;
  private ManagedChannel channel;

  @BeforeEach
  void setUp() throws Exception {
    server = EchoGrpcServer.start();
    counter = IdleKillingProxy.start(server.address());
    channel =
        FnGrpc.newChannel(
            "127.0.0.1:" + counter.port(),
            GrpcTestSupport.PLAINTEXT,
            GrpcTestSupport.config().maxIdleAge(Duration.ofSeconds(10)).ticker(clock::read).build(),
            stats);
  }

  @AfterEach
  void tearDown() {
    GrpcTestSupport.close(channel);
    counter.close();
    server.close();
  }

  @Test
  void channelKeepsItsConnectionWithinMaxIdleAge() {
    say();
    clock.advance(Duration.ofSeconds(10));
    say();

    assertThat(counter.acceptedConnections()).isEqualTo(1);
    assertThat(stats.count(MetricNames.IDLE_EVICTIONS)).isZero();
  }

  @Test
  void callAfterMaxIdleAgeGoesOnAFreshConnection() throws Exception {
    say();
    clock.advance(Duration.ofSeconds(11));
    say();

    assertThat(stats.count(MetricNames.IDLE_EVICTIONS)).isEqualTo(1);
    assertThat(counter.acceptedConnections()).isEqualTo(2);
    assertThat(counter.awaitOpenConnections(1, Duration.ofSeconds(10)))
        .as("the old connection is closed")
        .isTrue();
  }

  @Test
  void callInFlightAcrossAGapKeepsItsChannelAndTheNextCallGetsAFreshOne() throws Exception {
    say();
    CompletableFuture<String> slow = slowCallInFlight("1500");
    clock.advance(
        Duration.ofMinutes(
            5)); // a call in flight across a freeze proves nothing about its connection
    say();

    assertThat(stats.count(MetricNames.IDLE_EVICTIONS)).isEqualTo(1);
    assertThat(counter.acceptedConnections()).isEqualTo(2);
    assertThat(slow.get(10, TimeUnit.SECONDS)).as("finishes on the old channel").isEqualTo("ok");
    assertThat(counter.awaitOpenConnections(1, Duration.ofSeconds(10)))
        .as("which then closes")
        .isTrue();
  }

  @Test
  void callEndingAfterAGapDoesNotHideTheGap() throws Exception {
    // As after a thaw: the answer came while the instance was frozen, and the call ends only now,
    // past the idle age. Its end must not count as recent use of the connection.
    say();
    CompletableFuture<String> slow = slowCallInFlight("300");
    clock.advance(Duration.ofSeconds(11));
    assertThat(slow.get(10, TimeUnit.SECONDS)).isEqualTo("ok");
    say();

    assertThat(stats.count(MetricNames.IDLE_EVICTIONS)).isEqualTo(1);
    assertThat(counter.acceptedConnections()).isEqualTo(2);
  }

  @Test
  void callFailingOnAReplacedChannelLeavesTheFreshOneAlone() throws Exception {
    say();
    CompletableFuture<Throwable> hung =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                EchoGrpcServer.call(
                    channel,
                    EchoGrpcServer.HANG,
                    "x",
                    CallOptions.DEFAULT.withDeadlineAfter(1, TimeUnit.SECONDS));
                return null;
              } catch (RuntimeException e) {
                return e;
              }
            });
    awaitServerCalls(EchoGrpcServer.HANG, 1);
    clock.advance(Duration.ofSeconds(11));
    say(); // on a fresh channel
    assertThat(hung.get(10, TimeUnit.SECONDS)).isInstanceOf(io.grpc.StatusRuntimeException.class);
    say();

    assertThat(counter.acceptedConnections())
        .as("the deadline passed on the replaced channel")
        .isEqualTo(2);
  }

  @Test
  void callCancelledBeforeItStartsClosesAsCancelledAndNeverReachesTheServer() throws Exception {
    io.grpc.ClientCall<String, String> call = channel.newCall(SAY, CallOptions.DEFAULT);
    call.cancel("changed my mind", null);
    CompletableFuture<io.grpc.Status> closed = new CompletableFuture<>();
    call.start(
        new io.grpc.ClientCall.Listener<>() {
          @Override
          public void onClose(io.grpc.Status status, io.grpc.Metadata trailers) {
            closed.complete(status);
          }
        },
        new io.grpc.Metadata());

    assertThat(closed.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(io.grpc.Status.Code.CANCELLED);
    assertThat(server.calls(SAY)).isZero();
    say(); // the cancelled call left nothing counted in flight: a later reset still happens
    clock.advance(Duration.ofSeconds(11));
    say();
    assertThat(stats.count(MetricNames.IDLE_EVICTIONS)).isEqualTo(1);
  }

  @Test
  void callAfterADeadlineExceededGoesOnAFreshConnection() throws Exception {
    say();
    assertThatThrownBy(
            () ->
                EchoGrpcServer.call(
                    channel,
                    EchoGrpcServer.HANG,
                    "x",
                    CallOptions.DEFAULT.withDeadlineAfter(200, TimeUnit.MILLISECONDS)))
        .isInstanceOf(io.grpc.StatusRuntimeException.class);
    say(); // not idle at all, but the connection is suspect after a deadline passed on it
    assertThat(counter.acceptedConnections()).isEqualTo(2);
    assertThat(stats.count(MetricNames.IDLE_EVICTIONS)).as("not an idle eviction").isZero();
    say();
    assertThat(counter.acceptedConnections()).as("one fresh channel, then reused").isEqualTo(2);
  }

  /** A call answered after {@code millis}, once the server has it. */
  private CompletableFuture<String> slowCallInFlight(String millis) {
    CompletableFuture<String> slow =
        CompletableFuture.supplyAsync(
            () -> EchoGrpcServer.call(channel, SLOW, millis, CallOptions.DEFAULT));
    awaitServerCalls(SLOW, 1);
    return slow;
  }

  private void awaitServerCalls(io.grpc.MethodDescriptor<String, String> method, int n) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (server.calls(method) < n) {
      assertThat(System.nanoTime()).as("the server got the call within 10 s").isLessThan(deadline);
      Thread.onSpinWait();
    }
  }

  private void say() {
    assertThat(EchoGrpcServer.call(channel, SAY, "hi", CallOptions.DEFAULT)).isEqualTo("hi");
  }
}
