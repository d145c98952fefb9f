package dev.fnclients.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fnclients.testkit.pubsub.LoopbackPubsubServer;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The consumer that adds both optional transports (src/it/grpc-pubsub): fnclients, fnclients-grpc
 * and fnclients-pubsub from the BOM, no parent. Its function makes a gRPC call on a channel from
 * {@code FnClients.grpc} and publishes through {@code FnClients.publisher}, both to a loopback
 * Pub/Sub server, on the Functions Framework invoker.
 */
class GrpcPubsubConsumerIT {
  private static final String TOPIC = "projects/consumer-test/topics/orders";
  private static ConsumerBuild consumer;

  @BeforeAll
  static void build() throws IOException {
    consumer = ConsumerBuild.named("grpc-pubsub");
    System.out.println("grpc-pubsub consumer resolved: " + consumer.dependencies());
  }

  @Test
  void resolvesTheVersionsTheBuildTestedWith() throws IOException {
    // Including grpc-google-cloud-pubsub-v1, the Publisher stubs the consumer declares itself:
    // the build tests with them too (testkit's loopback server).
    consumer.assertResolvedTheTestedVersions(ConsumerBuild.testedVersions());
    // google-cloud-pubsub asks for an -android Guava; the build tests with the -jre one.
    assertThat(consumer.dependency("com.google.guava", "guava"))
        .hasValueSatisfying(d -> assertThat(d.version()).endsWith("-jre"));
  }

  @Test
  void functionCallsGrpcAndPublishesThroughFnClientsOnTheInvoker() throws Exception {
    try (LoopbackPubsubServer pubsub = LoopbackPubsubServer.start();
        FunctionInstance function =
            FunctionInstance.start(
                consumer,
                "com.example.Orders",
                Map.of("PUBSUB_EMULATOR_HOST", pubsub.target(), "ORDERS_TOPIC", TOPIC))) {
      HttpResponse<String> response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(function.uri())
                      .timeout(Duration.ofSeconds(60))
                      .POST(HttpRequest.BodyPublishers.ofString("order 1"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());

      assertThat(response.statusCode()).as(function.output()).isEqualTo(200);
      assertThat(pubsub.messages())
          .singleElement()
          .satisfies(
              m -> {
                assertThat(m.topic()).isEqualTo(TOPIC);
                assertThat(m.message().getData().toStringUtf8()).isEqualTo("order 1");
                assertThat(response.body())
                    .isEqualTo("topic=" + TOPIC + " message=" + m.messageId());
              });
      if (function.stderr().contains("SLF4J")) {
        System.out.println("grpc-pubsub function's stderr has SLF4J lines:\n" + function.stderr());
      }
    }
  }
}
