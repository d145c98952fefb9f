package dev.fnclients.grpc;

import static dev.fnclients.testkit.grpc.EchoGrpcServer.SAY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.fnclients.grpc.spi.FnGrpc;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.spi.TransportStats;
import dev.fnclients.testkit.grpc.EchoGrpcServer;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What {@code FnClients.grpc} does with a server's pushback ({@code grpc-retry-pushback-ms}, gRPC's
 * own Retry-After) and with {@code RESOURCE_EXHAUSTED}, under the retry policy FnClients sets: all
 * of it is grpc-java's retry implementation (gRFC A6), which this pins down. A pushback of zero or
 * more retries after exactly that wait, whatever the status, within the attempts; a negative one
 * stops retries; {@code RESOURCE_EXHAUSTED} without pushback is not retried (it is not among the
 * retryable codes by default); and the call's deadline ends any wait.
 */
class PushbackTest {
  private static final Metadata.Key<String> PUSHBACK =
      Metadata.Key.of("grpc-retry-pushback-ms", Metadata.ASCII_STRING_MARSHALLER);

  private final TransportStats stats = new TransportStats("grpc");
  private final List<Long> received = new CopyOnWriteArrayList<>();
  private Server server;
  private ManagedChannel channel;

  /**
   * A server whose Say fails the first {@code times} attempts of a request {@code
   * CODE:pushback:times} with CODE and, unless pushback is "none", that pushback; then answers.
   */
  @BeforeEach
  void setUp() throws Exception {
    ServerServiceDefinition service =
        ServerServiceDefinition.builder(EchoGrpcServer.SERVICE)
            .addMethod(
                SAY,
                ServerCalls.asyncUnaryCall(
                    (request, response) -> {
                      received.add(System.nanoTime());
                      String[] parts = request.split(":");
                      if (received.size() <= Integer.parseInt(parts[2])) {
                        Metadata trailers = new Metadata();
                        if (!parts[1].equals("none")) {
                          trailers.put(PUSHBACK, parts[1]);
                        }
                        response.onError(
                            Status.fromCode(Status.Code.valueOf(parts[0]))
                                .asRuntimeException(trailers));
                      } else {
                        response.onNext("ok");
                        response.onCompleted();
                      }
                    }))
            .build();
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(service)
            .build()
            .start();
    channel =
        FnGrpc.newChannel(
            "127.0.0.1:" + server.getPort(),
            GrpcTestSupport.PLAINTEXT,
            GrpcTestSupport.config().retryMaxAttempts(3).build(),
            stats);
  }

  @AfterEach
  void tearDown() throws Exception {
    GrpcTestSupport.close(channel);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void resourceExhaustedWithoutPushbackIsNotRetried() {
    StatusRuntimeException e = call("RESOURCE_EXHAUSTED:none:1", 10_000);

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(received).hasSize(1);
    assertThat(stats.count(MetricNames.STATUS_RETRIES)).isZero();
  }

  @Test
  void resourceExhaustedWithPushbackIsRetriedAfterThePushbackAlthoughItsCodeIsNotRetryable() {
    assertThat(call("RESOURCE_EXHAUSTED:300:1", 10_000)).isNull();

    assertThat(received).hasSize(2);
    assertThat(TimeUnit.NANOSECONDS.toMillis(received.get(1) - received.get(0)))
        .as("ms before the retry")
        .isGreaterThanOrEqualTo(300);
    assertThat(stats.count(MetricNames.STATUS_RETRIES)).isEqualTo(1);
  }

  @Test
  void negativePushbackStopsRetriesEvenForARetryableCode() {
    StatusRuntimeException e = call("UNAVAILABLE:-1:1", 10_000);

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(received).hasSize(1);
  }

  @Test
  void pushbackLongerThanTheDeadlineEndsTheCallAtItsDeadline() {
    long start = System.nanoTime();
    StatusRuntimeException e = call("UNAVAILABLE:30000:1", 500);

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
        .as("not the 30 s pushback")
        .isLessThan(5000);
    assertThat(received).hasSize(1);
  }

  @Test
  void backoffLongerThanTheDeadlineEndsTheCallAtItsDeadline() throws Exception {
    ManagedChannel slow =
        FnGrpc.newChannel(
            "127.0.0.1:" + server.getPort(),
            GrpcTestSupport.PLAINTEXT,
            GrpcTestSupport.config()
                .retryInitialBackoff(Duration.ofSeconds(10))
                .retryMaxBackoff(Duration.ofSeconds(10))
                .build(),
            stats);
    try {
      long start = System.nanoTime();
      StatusRuntimeException e =
          catchThrowableOfType(
              () ->
                  EchoGrpcServer.call(
                      slow,
                      SAY,
                      "UNAVAILABLE:none:5",
                      CallOptions.DEFAULT.withDeadlineAfter(500, TimeUnit.MILLISECONDS)),
              StatusRuntimeException.class);

      // gRPC draws the backoff at random below the 10 s ceiling: it may retry before the deadline,
      // but no attempt may start after it and the call must end at it.
      assertThat(e.getStatus().getCode())
          .isIn(Status.Code.DEADLINE_EXCEEDED, Status.Code.UNAVAILABLE);
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5000);
      assertThat(received.stream().allMatch(t -> t - start < TimeUnit.MILLISECONDS.toNanos(600)))
          .isTrue();
    } finally {
      GrpcTestSupport.close(slow);
    }
  }

  /** A call of {@code request} with a deadline: null when it succeeds, its failure otherwise. */
  private StatusRuntimeException call(String request, long deadlineMillis) {
    try {
      assertThat(
              EchoGrpcServer.call(
                  channel,
                  SAY,
                  request,
                  CallOptions.DEFAULT.withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS)))
          .isEqualTo("ok");
      return null;
    } catch (StatusRuntimeException e) {
      return e;
    }
  }
}
