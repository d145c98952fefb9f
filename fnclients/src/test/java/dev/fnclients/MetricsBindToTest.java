package dev.fnclients;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.TopicName;
import com.sun.net.httpserver.HttpServer;
import dev.fnclients.grpc.GrpcConfig;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.pubsub.FnPublisher;
import dev.fnclients.pubsub.PubsubConfig;
import dev.fnclients.testkit.grpc.EchoGrpcServer;
import dev.fnclients.testkit.pubsub.LoopbackPubsubServer;
import io.grpc.CallOptions;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/**
 * Every meter FnClients registers, its own counters and the ones Micrometer's binders make (OkHttp
 * request timer, gRPC client interceptor, Pub/Sub flush timer), reaches every registry {@code
 * metrics()} is bound to: one bound before the clients were built and one bound after.
 */
class MetricsBindToTest {

  @Test
  void registriesBoundBeforeAndAfterTheClientsWereBuiltGetEveryMeterOfAllThreeTransports()
      throws Exception {
    HttpServer http =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.createContext(
        "/",
        exchange -> {
          byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    http.start();
    EchoGrpcServer grpc = EchoGrpcServer.start();
    LoopbackPubsubServer pubsub = LoopbackPubsubServer.start();
    FnClientsInstance runtime = FnClientsInstance.create(FnClientsConfig.custom().build());
    try {
      SimpleMeterRegistry early = new SimpleMeterRegistry();
      runtime.metrics().bindTo(early);

      var client = runtime.http();
      var channel = runtime.grpc(grpc.target(), GrpcConfig.custom().usePlaintext().build());
      FnPublisher publisher =
          runtime.publisher(
              TopicName.of("fn-project", "metrics"),
              PubsubConfig.custom().emulatorHost(pubsub.target()).build());

      SimpleMeterRegistry late = new SimpleMeterRegistry();
      runtime.metrics().bindTo(late);

      String url =
          "http://" + http.getAddress().getHostString() + ":" + http.getAddress().getPort() + "/";
      try (Response response = client.newCall(new Request.Builder().url(url).build()).execute()) {
        response.body().string();
      }
      EchoGrpcServer.call(
          channel,
          EchoGrpcServer.SAY,
          "hello",
          CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS));
      publisher.publish(PubsubMessage.newBuilder().setData(ByteString.copyFromUtf8("m")).build());
      publisher.flush();

      for (SimpleMeterRegistry registry : List.of(early, late)) {
        Set<String> names = new TreeSet<>();
        for (Meter meter : registry.getMeters()) {
          names.add(meter.getId().getName());
        }
        assertThat(names).containsAll(MetricNames.BINDER_METERS);
        for (MetricNames counter : MetricNames.values()) {
          assertThat(names).contains(counter.meterName());
        }
        for (String transport : List.of("http", "grpc", "pubsub")) {
          assertThat(
                  registry
                      .find(MetricNames.CLIENTS_CREATED.meterName())
                      .tag("transport", transport)
                      .functionCounter())
              .as(transport + " counters")
              .isNotNull();
        }
        assertThat(registry.get(MetricNames.HTTP_REQUESTS).tag("transport", "http").timer().count())
            .isEqualTo(1);
        assertThat(
                registry
                    .get(MetricNames.GRPC_PROCESSING_DURATION)
                    .tag("method", "Say")
                    .timer()
                    .count())
            .isEqualTo(1);
        assertThat(
                registry.get(MetricNames.GRPC_REQUESTS_SENT).tag("method", "Say").counter().count())
            .isEqualTo(1);
        assertThat(
                registry
                    .get(MetricNames.GRPC_RESPONSES_RECEIVED)
                    .tag("method", "Say")
                    .counter()
                    .count())
            .isEqualTo(1);
        assertThat(
                registry.get(MetricNames.PUBSUB_FLUSH).tag("transport", "pubsub").timer().count())
            .isEqualTo(1);
      }
    } finally {
      runtime.shutdown();
      pubsub.close();
      grpc.stop(Duration.ofSeconds(1));
      http.stop(0);
    }
  }
}
