package dev.fnclients.pubsub.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import com.google.pubsub.v1.PublishRequest;
import com.google.pubsub.v1.PublishResponse;
import com.google.pubsub.v1.PublisherGrpc;
import com.google.pubsub.v1.PubsubMessage;
import dev.fnclients.testkit.pubsub.LoopbackPubsubServer;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Calls past the limit wait in line, holding no thread, for a slot, their deadline or a cancel. */
class AdmissionTest {
  private static final String TOPIC = "projects/fn-project/topics/orders";

  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private LoopbackPubsubServer server;
  private ManagedChannel channel;
  private Admission admission;
  private PublisherGrpc.PublisherFutureStub stub;

  @BeforeEach
  void setUp() throws Exception {
    server = LoopbackPubsubServer.start();
    channel = ManagedChannelBuilder.forTarget(server.target()).usePlaintext().build();
    admission = new Admission(2, timer);
    stub =
        PublisherGrpc.newFutureStub(
            new Channel() {
              @Override
              public <ReqT, RespT> ClientCall<ReqT, RespT> newCall(
                  MethodDescriptor<ReqT, RespT> method, CallOptions options) {
                return admission.newCall(channel, method, options);
              }

              @Override
              public String authority() {
                return channel.authority();
              }
            });
  }

  @AfterEach
  void tearDown() {
    channel.shutdownNow();
    server.close();
    timer.shutdownNow();
  }

  @Test
  void callsBeyondTheLimitWaitInLineAndStartAsCallsInFlightEnd() throws Exception {
    server.delayPublishes(Duration.ofMillis(300));
    List<ListenableFuture<PublishResponse>> calls = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      calls.add(stub.publish(request("m" + i)));
    }
    assertThat(admission.inFlight()).isEqualTo(2);
    assertThat(admission.waiting()).isEqualTo(4);

    for (ListenableFuture<PublishResponse> call : calls) {
      assertThat(call.get(10, TimeUnit.SECONDS).getMessageIdsCount()).isEqualTo(1);
    }
    assertThat(server.maxConcurrentPublishCalls()).as("calls the server had at once").isEqualTo(2);
    assertThat(server.messages()).hasSize(6);
    assertThat(admission.inFlight()).isZero();
  }

  @Test
  void aCallStillInLineAtItsDeadlineEndsDeadlineExceededWithoutReachingTheServer()
      throws Exception {
    server.hangPublishes(true);
    stub.publish(request("first"));
    stub.publish(request("second"));

    ListenableFuture<PublishResponse> third =
        stub.withDeadlineAfter(200, TimeUnit.MILLISECONDS).publish(request("third"));

    assertThatThrownBy(() -> third.get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
              assertThat(e.getStatus().getDescription())
                  .contains("waiting for one of the 2 Publish calls in flight");
            });
    assertThat(server.publishCalls()).as("calls that reached the server").isEqualTo(2);
    assertThat(admission.waiting()).isZero();
  }

  @Test
  void aCallCancelledInLineEndsCancelledAndItsTurnPassesOn() throws Exception {
    server.delayPublishes(Duration.ofMillis(300));
    ListenableFuture<PublishResponse> first = stub.publish(request("first"));
    ListenableFuture<PublishResponse> second = stub.publish(request("second"));
    ListenableFuture<PublishResponse> cancelled = stub.publish(request("cancelled"));
    ListenableFuture<PublishResponse> last = stub.publish(request("last"));

    cancelled.cancel(true);

    for (ListenableFuture<PublishResponse> call : List.of(first, second, last)) {
      assertThat(call.get(10, TimeUnit.SECONDS).getMessageIdsCount()).isEqualTo(1);
    }
    assertThat(server.messages())
        .extracting(r -> r.message().getData().toStringUtf8())
        .containsExactlyInAnyOrder("first", "second", "last");
    assertThat(admission.inFlight()).isZero();
  }

  private static PublishRequest request(String text) {
    return PublishRequest.newBuilder()
        .setTopic(TOPIC)
        .addMessages(PubsubMessage.newBuilder().setData(ByteString.copyFromUtf8(text)))
        .build();
  }
}
