package dev.fnclients.example;

import com.google.api.core.ApiFuture;
import com.google.cloud.functions.HttpFunction;
import com.google.cloud.functions.HttpRequest;
import com.google.cloud.functions.HttpResponse;
import com.google.cloud.secretmanager.v1.SecretManagerServiceClient;
import com.google.protobuf.ByteString;
import com.google.pubsub.v1.PubsubMessage;
import dev.fnclients.FnClients;
import dev.fnclients.google.GoogleConfig;
import dev.fnclients.grpc.GrpcConfig;
import dev.fnclients.pubsub.FnPublisher;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCalls;
import java.io.IOException;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * An HTTP Cloud Run function (Functions Framework API) written as FnClients recommends: every
 * invocation asks {@link FnClients} for its clients, and gets the instance's shared ones, built on
 * the first invocation. Each invocation makes one HTTP GET, one unary gRPC call, one Pub/Sub
 * publish, flushed before the function returns, and reads one Secret Manager secret through {@code
 * FnClients.google}, the entry point for any GAPIC Google Cloud client.
 *
 * <p>Driven at a steady rate, an instance of this function opens a few connections per upstream in
 * its first seconds and none after that. {@link NaiveFunction} does the same work with clients
 * built per invocation, and opens a connection per invocation per upstream.
 *
 * <p>Deploy: {@code gcloud functions deploy fn-example --gen2 --runtime=java17 --trigger-http
 * --entry-point=dev.fnclients.example.PooledFunction --set-env-vars=UPSTREAM_HTTP_URL=...,...} (see
 * {@link FunctionEnv} for the variables, and example-function/README.md).
 */
public class PooledFunction implements HttpFunction {
  /**
   * Configuration, not clients: read once per instance. The gRPC options are a constant because
   * each distinct target and options pair gets its own channel; plaintext only when the upstream
   * says so (a loopback test server or an emulator), TLS otherwise. Likewise Secret Manager: its
   * endpoint and Application Default Credentials, or a plaintext loopback server when one is named.
   */
  private static final FunctionEnv ENV = FunctionEnv.fromEnvironment();

  private static final GrpcConfig GRPC_OPTIONS =
      ENV.grpcPlaintext() ? GrpcConfig.custom().usePlaintext().build() : GrpcConfig.ofDefaults();
  private static final GoogleConfig SECRETS =
      ENV.secretManagerHost() == null
          ? GoogleConfig.ofDefaults()
          : GoogleConfig.custom().emulatorHost(ENV.secretManagerHost()).build();

  @Override
  public void service(HttpRequest request, HttpResponse response) throws Exception {
    String invocation = request.getFirstQueryParameter("i").orElse("-");

    // HTTP: the instance's shared OkHttp client (pooled, idle-safe, capped). Close the response.
    OkHttpClient http = FnClients.http();
    String httpBody;
    try (Response r = http.newCall(new Request.Builder().url(ENV.httpUrl()).build()).execute()) {
      if (r.code() != 200) {
        throw new IOException("HTTP upstream answered " + r.code());
      }
      httpBody = r.body().string();
    }

    // gRPC: the instance's shared channel to this target. Never shut it down: the shutdown hook
    // does.
    ManagedChannel channel = FnClients.grpc(ENV.grpcTarget(), GRPC_OPTIONS);
    String echo =
        ClientCalls.blockingUnaryCall(
            channel, EchoMethod.SAY, CallOptions.DEFAULT, "invocation " + invocation);

    // Pub/Sub: the instance's shared publisher for the topic (PUBSUB_EMULATOR_HOST is honoured).
    // Flush before returning: the instance's CPU may be throttled once the response is sent.
    FnPublisher publisher = FnClients.publisher(ENV.topic());
    ApiFuture<String> published =
        publisher.publish(
            PubsubMessage.newBuilder()
                .setData(ByteString.copyFromUtf8("invocation " + invocation))
                .build());
    publisher.flush();
    String messageId =
        published.get(); // done: flush returns when every message is confirmed or failed

    // Any other Google API: the instance's GAPIC client, over FnClients' idle-safe channel to its
    // endpoint. Never close it (a try block would close it for every later invocation).
    SecretManagerServiceClient secrets =
        FnClients.google(SecretManagerServiceClient.class, null, SECRETS);
    int secretBytes = secrets.accessSecretVersion(ENV.secretName()).getPayload().getData().size();

    FunctionEnv.answer(response, httpBody, echo, messageId, secretBytes);
  }
}
