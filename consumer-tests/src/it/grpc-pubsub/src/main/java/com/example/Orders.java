package com.example;

import com.google.cloud.functions.HttpFunction;
import com.google.cloud.functions.HttpRequest;
import com.google.cloud.functions.HttpResponse;
import com.google.protobuf.ByteString;
import com.google.pubsub.v1.GetTopicRequest;
import com.google.pubsub.v1.PublisherGrpc;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.Topic;
import dev.fnclients.FnClients;
import dev.fnclients.grpc.GrpcConfig;
import io.grpc.ManagedChannel;

/**
 * Looks the orders topic up over gRPC (the Pub/Sub Publisher service, on a channel from
 * {@code FnClients.grpc}), then publishes the request body to it with {@code FnClients.publisher}.
 * With {@code PUBSUB_EMULATOR_HOST} set both go to the emulator in plaintext; against the real
 * service the gRPC call would also need call credentials.
 */
public class Orders implements HttpFunction {
  private static final String TOPIC =
      System.getenv().getOrDefault("ORDERS_TOPIC", "projects/my-project/topics/orders");
  private static final String EMULATOR = System.getenv("PUBSUB_EMULATOR_HOST");
  private static final String PUBSUB_TARGET = EMULATOR != null ? EMULATOR : "pubsub.googleapis.com:443";
  // A constant: each target and options pair gets one channel per instance.
  private static final GrpcConfig PUBSUB_OPTIONS =
      EMULATOR != null ? GrpcConfig.custom().usePlaintext().build() : GrpcConfig.ofDefaults();

  @Override
  public void service(HttpRequest request, HttpResponse response) throws Exception {
    ManagedChannel channel = FnClients.grpc(PUBSUB_TARGET, PUBSUB_OPTIONS);
    // No deadline of our own: FnClients gives every call its defaultDeadline (callTimeout, 30 s).
    Topic topic = PublisherGrpc.newBlockingStub(channel)
        .getTopic(GetTopicRequest.newBuilder().setTopic(TOPIC).build());

    String body = new String(request.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    // Waits for the server's id: the instance's CPU may be throttled once the response is sent.
    String messageId = FnClients.publisher(TOPIC)
        .publishAndWait(PubsubMessage.newBuilder().setData(ByteString.copyFromUtf8(body)).build());

    response.getWriter().write("topic=" + topic.getName() + " message=" + messageId);
  }
}
