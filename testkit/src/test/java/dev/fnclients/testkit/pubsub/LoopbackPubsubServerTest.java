package dev.fnclients.testkit.pubsub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import com.google.pubsub.v1.GetTopicRequest;
import com.google.pubsub.v1.PublishRequest;
import com.google.pubsub.v1.PublishResponse;
import com.google.pubsub.v1.PublisherGrpc;
import com.google.pubsub.v1.PubsubMessage;
import dev.fnclients.testkit.pubsub.LoopbackPubsubServer.Received;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LoopbackPubsubServerTest {

  private static final String TOPIC = "projects/test-project/topics/test-topic";

  /**
   * Long enough that every call arrives while the others still wait; short enough for the suite.
   */
  private static final Duration DELAY = Duration.ofMillis(750);

  /**
   * Long enough for a call on a connected channel to reach the server (the tests check that it
   * did), well under {@link #DELAY}, so that the client gives up long before the answer is due.
   */
  private static final long SHORT_DEADLINE_MILLIS = 250;

  /** Upper bound for calls that should succeed; generous for a loaded 2-core box. */
  private static final long PATIENT_DEADLINE_MILLIS = 10_000;

  private LoopbackPubsubServer server;
  private ManagedChannel channel;

  @BeforeEach
  void startServer() throws Exception {
    server = LoopbackPubsubServer.start();
    channel = ManagedChannelBuilder.forTarget(server.target()).usePlaintext().build();
    // Connect before any test starts a short deadline: a first call also pays for the connection
    // (and a cold JVM's class loading), and could time out before it ever reached the server.
    patient().getTopic(GetTopicRequest.newBuilder().setTopic(TOPIC).build());
  }

  @AfterEach
  void stopEverything() throws Exception {
    channel.shutdownNow();
    channel.awaitTermination(5, TimeUnit.SECONDS);
    server.close();
  }

  @Test
  void aBatchIsRecordedInOrderAndAnsweredWithItsDistinctIdsInTheSameOrder() {
    PublishResponse response = patient().publish(request("a", "b", "c"));

    assertThat(response.getMessageIdsList()).hasSize(3).doesNotHaveDuplicates();
    List<Received> messages = server.messages();
    assertThat(messages)
        .extracting(r -> r.message().getData().toStringUtf8())
        .containsExactly("a", "b", "c");
    assertThat(messages).extracting(Received::topic).containsOnly(TOPIC);
    assertThat(messages)
        .extracting(Received::messageId)
        .containsExactlyElementsOf(response.getMessageIdsList());
    assertThat(server.publishCalls()).isEqualTo(1);
    assertThat(server.target()).isEqualTo("127.0.0.1:" + server.port());
    assertThat(server.address().getPort()).isEqualTo(server.port());
  }

  @Test
  void messageIdsStayUniqueAcrossCalls() {
    List<String> ids = new ArrayList<>(patient().publish(request("a", "b")).getMessageIdsList());
    ids.addAll(patient().publish(request("c", "d")).getMessageIdsList());

    assertThat(ids).hasSize(4).doesNotHaveDuplicates();
  }

  @Test
  void injectedFailuresReachTheClientRecordNothingAndTheCallAfterThemSucceeds() {
    server.failNext(2, Status.Code.UNAVAILABLE);

    for (String data : List.of("first", "second")) {
      assertThatThrownBy(() -> patient().publish(request(data)))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }
    assertThat(server.messages()).isEmpty();

    PublishResponse third = patient().publish(request("third"));

    assertThat(server.messages())
        .extracting(r -> r.message().getData().toStringUtf8())
        .containsExactly("third");
    assertThat(server.messages())
        .extracting(Received::messageId)
        .containsExactlyElementsOf(third.getMessageIdsList());
    assertThat(server.publishCalls()).isEqualTo(3);
  }

  @Test
  void aHungCallEndsByTheClientDeadlineAndRecordsNothing() {
    server.hangPublishes(true);

    assertThatThrownBy(() -> impatient().publish(request("held")))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));

    server.hangPublishes(false);
    patient().publish(request("answered"));

    assertThat(server.messages())
        .extracting(r -> r.message().getData().toStringUtf8())
        .containsExactly("answered");
    assertThat(server.publishCalls()).isEqualTo(2);
  }

  @Test
  void
      aDelayedAnswerFailsAClientWithAShorterDeadlineRecordsNothingAndReachesAClientWithALongerOne() {
    server.delayPublishes(DELAY);

    assertThatThrownBy(() -> impatient().publish(request("too late")))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    // This call's answer is due after the abandoned one's, so once it succeeds the server has
    // already tried (and declined) to answer the first: its message must not have been recorded.
    PublishResponse answered = patient().publish(request("in time"));

    assertThat(server.messages())
        .extracting(r -> r.message().getData().toStringUtf8())
        .containsExactly("in time");
    assertThat(server.messages())
        .extracting(Received::messageId)
        .containsExactlyElementsOf(answered.getMessageIdsList());
    assertThat(server.publishCalls()).isEqualTo(2);
  }

  @Test
  void maxConcurrentPublishCallsIsTheHighWaterMarkOfCallsInProgress() throws Exception {
    patient().publish(request("one"));
    patient().publish(request("two"));
    assertThat(server.maxConcurrentPublishCalls()).isEqualTo(1);

    server.delayPublishes(DELAY);
    PublisherGrpc.PublisherFutureStub async =
        PublisherGrpc.newFutureStub(channel)
            .withDeadlineAfter(PATIENT_DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
    List<ListenableFuture<PublishResponse>> calls = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      calls.add(async.publish(request("concurrent-" + i)));
    }
    for (ListenableFuture<PublishResponse> call : calls) {
      assertThat(call.get(PATIENT_DEADLINE_MILLIS, TimeUnit.MILLISECONDS).getMessageIdsCount())
          .isEqualTo(1);
    }

    assertThat(server.maxConcurrentPublishCalls()).isEqualTo(4);
    assertThat(server.messages()).hasSize(6);
  }

  @Test
  void topicLookupsAnswerWithTheRequestedName() {
    PublisherGrpc.PublisherBlockingStub stub = patient();

    assertThat(stub.getTopic(GetTopicRequest.newBuilder().setTopic(TOPIC).build()).getName())
        .isEqualTo(TOPIC);
    assertThat(server.publishCalls()).isZero();
  }

  private PublisherGrpc.PublisherBlockingStub patient() {
    return PublisherGrpc.newBlockingStub(channel)
        .withDeadlineAfter(PATIENT_DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
  }

  private PublisherGrpc.PublisherBlockingStub impatient() {
    return PublisherGrpc.newBlockingStub(channel)
        .withDeadlineAfter(SHORT_DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
  }

  private static PublishRequest request(String... data) {
    PublishRequest.Builder request = PublishRequest.newBuilder().setTopic(TOPIC);
    for (String d : data) {
      request.addMessages(
          PubsubMessage.newBuilder().setData(ByteString.copyFrom(d, StandardCharsets.UTF_8)));
    }
    return request.build();
  }
}
