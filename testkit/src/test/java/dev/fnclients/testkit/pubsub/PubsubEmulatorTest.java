package dev.fnclients.testkit.pubsub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.pubsub.v1.PublishRequest;
import com.google.pubsub.v1.PublisherGrpc;
import com.google.pubsub.v1.PubsubMessage;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PubsubEmulatorTest {
  private static final String TOPIC = "projects/emulator-test/topics/orders";
  private static final String SUBSCRIPTION = "projects/emulator-test/subscriptions/orders-check";

  @Test
  void anEmulatorStartedForATestStoresWhatIsPublishedStallsWhenFrozenAndIsGoneWhenClosed()
      throws Exception {
    PubsubEmulator emulator = PubsubEmulator.start();
    ManagedChannel channel =
        ManagedChannelBuilder.forTarget(emulator.target()).usePlaintext().build();
    try {
      emulator.createTopic(TOPIC);
      emulator.createSubscription(SUBSCRIPTION, TOPIC);
      publish(channel, "before", 10_000);

      emulator.freeze();
      assertThatThrownBy(() -> publish(channel, "while frozen", 500))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
      emulator.thaw();
      publish(channel, "after", 10_000);

      List<PubsubMessage> held = emulator.pullAll(SUBSCRIPTION, Duration.ofMillis(200));
      // Whether the request sent while frozen is applied after the thaw depends on what the
      // emulator reads first, the request or the client's cancellation: not asserted here.
      assertThat(held).extracting(m -> m.getData().toStringUtf8()).contains("before", "after");
    } finally {
      channel.shutdownNow();
      emulator.close();
    }
    assertThat(emulator.isAlive()).isFalse();
    assertThat(ProcessHandle.of(emulator.jvmPid())).isEmpty();
  }

  private static void publish(ManagedChannel channel, String text, long deadlineMillis) {
    PublisherGrpc.newBlockingStub(channel)
        .withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS)
        .publish(
            PublishRequest.newBuilder()
                .setTopic(TOPIC)
                .addMessages(PubsubMessage.newBuilder().setData(ByteString.copyFromUtf8(text)))
                .build());
  }
}
