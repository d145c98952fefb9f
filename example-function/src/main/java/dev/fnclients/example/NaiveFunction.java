package dev.fnclients.example;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.grpc.InstantiatingGrpcChannelProvider;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.cloud.functions.HttpFunction;
import com.google.cloud.functions.HttpRequest;
import com.google.cloud.functions.HttpResponse;
import com.google.cloud.pubsub.v1.Publisher;
import com.google.cloud.secretmanager.v1.SecretManagerServiceClient;
import com.google.cloud.secretmanager.v1.SecretManagerServiceSettings;
import com.google.protobuf.ByteString;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.TopicName;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * THE ANTI-PATTERN, for comparison with {@link PooledFunction}: the same work (one HTTP GET, one
 * unary gRPC call, one Pub/Sub publish, one Secret Manager read), with every client built inside
 * the invocation, as many samples do: a new {@link OkHttpClient}, a new {@link ManagedChannel}, a
 * new {@link Publisher} and a new {@link SecretManagerServiceClient} (each with its own channel).
 * Each invocation therefore opens one new connection to each upstream (plus, in real life, a DNS
 * lookup and a TLS handshake each), which is what the platform's advice to "watch connections under
 * a steady load" is meant to catch.
 *
 * <p>This version is the <em>tidy</em> naive function: it shuts its clients down before returning.
 * That is only so the load test's function process survives hundreds of invocations; it does not
 * save a single connection. A naive function that does not shut them down (the more common kind)
 * opens exactly as many connections, and in addition leaks each invocation's sockets and threads (a
 * {@code Publisher} alone starts an executor and a channel) until the instance runs out of memory
 * or file descriptors; {@code PublisherPerInstanceTest} in the fnclients module shows that.
 */
public class NaiveFunction implements HttpFunction {
  private static final FunctionEnv ENV = FunctionEnv.fromEnvironment();

  @Override
  public void service(HttpRequest request, HttpResponse response) throws Exception {
    String invocation = request.getFirstQueryParameter("i").orElse("-");

    OkHttpClient http = new OkHttpClient(); // new connection pool: a new connection
    ManagedChannel channel = newChannel(ENV.grpcTarget(), ENV.grpcPlaintext()); // a new connection
    try {
      String httpBody;
      try (Response r = http.newCall(new Request.Builder().url(ENV.httpUrl()).build()).execute()) {
        if (r.code() != 200) {
          throw new IOException("HTTP upstream answered " + r.code());
        }
        httpBody = r.body().string();
      }

      String echo =
          ClientCalls.blockingUnaryCall(
              channel, EchoMethod.SAY, CallOptions.DEFAULT, "invocation " + invocation);
      String messageId = publish("invocation " + invocation);
      int secretBytes = readSecretSize();

      FunctionEnv.answer(response, httpBody, echo, messageId, secretBytes);
    } finally {
      // See the class comment: tidy, so that the test process survives; still one connection per
      // invocation per upstream. Remove these lines and the connections stay the same, the leaks
      // grow.
      channel.shutdownNow();
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }

  /**
   * A new Publisher (a new executor, and a new channel: a new connection), shut down after one
   * publish.
   */
  private static String publish(String text) throws Exception {
    ManagedChannel pubsubChannel = null;
    Publisher publisher = null;
    try {
      Publisher.Builder builder = Publisher.newBuilder(TopicName.parse(ENV.topic()));
      if (ENV.pubsubEmulatorHost() != null) {
        // The Java client does not read PUBSUB_EMULATOR_HOST itself; this is how its
        // documentation points a Publisher at the emulator: a plaintext channel of one's own.
        pubsubChannel = newChannel(ENV.pubsubEmulatorHost(), true);
        builder
            .setChannelProvider(
                FixedTransportChannelProvider.create(GrpcTransportChannel.create(pubsubChannel)))
            .setCredentialsProvider(NoCredentialsProvider.create());
      }
      publisher = builder.build();
      return publisher
          .publish(PubsubMessage.newBuilder().setData(ByteString.copyFromUtf8(text)).build())
          .get(20, TimeUnit.SECONDS);
    } finally {
      if (publisher != null) {
        publisher.shutdown();
        publisher.awaitTermination(10, TimeUnit.SECONDS);
      }
      if (pubsubChannel != null) {
        pubsubChannel.shutdownNow();
      }
    }
  }

  /**
   * The usual way: a client per invocation (a new channel pool and executor: a new connection),
   * shut down and awaited at the end, as tidy as the publisher above.
   */
  private static int readSecretSize() throws Exception {
    SecretManagerServiceClient secrets = SecretManagerServiceClient.create(secretSettings());
    try {
      return secrets.accessSecretVersion(ENV.secretName()).getPayload().getData().size();
    } finally {
      secrets.shutdown();
      secrets.awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  /** Secret Manager's defaults, or plaintext and no credentials for a loopback server. */
  private static SecretManagerServiceSettings secretSettings() throws IOException {
    if (ENV.secretManagerHost() == null) {
      return SecretManagerServiceSettings.newBuilder().build();
    }
    return SecretManagerServiceSettings.newBuilder()
        .setEndpoint(ENV.secretManagerHost())
        .setCredentialsProvider(NoCredentialsProvider.create())
        .setTransportChannelProvider(
            InstantiatingGrpcChannelProvider.newBuilder()
                .setChannelConfigurator(ManagedChannelBuilder::usePlaintext)
                .build())
        .build();
  }

  private static ManagedChannel newChannel(String target, boolean plaintext) {
    ManagedChannelBuilder<?> builder = ManagedChannelBuilder.forTarget(target);
    if (plaintext) {
      builder.usePlaintext();
    }
    return builder.build();
  }
}
