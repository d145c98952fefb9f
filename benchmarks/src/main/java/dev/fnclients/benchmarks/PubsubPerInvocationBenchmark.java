package dev.fnclients.benchmarks;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.cloud.pubsub.v1.Publisher;
import com.google.protobuf.ByteString;
import com.google.pubsub.v1.PublishRequest;
import com.google.pubsub.v1.PublishResponse;
import com.google.pubsub.v1.PublisherGrpc;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.TopicName;
import dev.fnclients.FnClientsInstance;
import dev.fnclients.pubsub.PubsubConfig;
import dev.fnclients.testkit.grpc.EchoGrpcServer;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * One invocation publishing one message and waiting for its id from a loopback {@code Publisher}
 * service (not the testkit's {@code LoopbackPubsubServer}, which keeps every message).
 */
public class PubsubPerInvocationBenchmark extends InvocationBenchmark {
  private static final TopicName TOPIC = TopicName.of("bench", "orders");
  private static final PubsubMessage MESSAGE =
      PubsubMessage.newBuilder().setData(ByteString.copyFromUtf8("order 42")).build();

  @Param({"publisherPerInvocation", "defaultShared", "fnclients"})
  public String variant;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    EchoGrpcServer server =
        EchoGrpcServer.start(
            InsecureServerCredentials.create(),
            new PublisherGrpc.PublisherImplBase() {
              private final AtomicLong ids = new AtomicLong();

              @Override
              public void publish(
                  PublishRequest request, StreamObserver<PublishResponse> observer) {
                PublishResponse.Builder answer = PublishResponse.newBuilder();
                request
                    .getMessagesList()
                    .forEach(m -> answer.addMessageIds(Long.toString(ids.incrementAndGet())));
                observer.onNext(answer.build());
                observer.onCompleted();
              }
            });
    atEnd(server::close);
    connections = server::connectionsAccepted;
    String target = server.target();
    invocation =
        switch (variant) {
          case "publisherPerInvocation" ->
              () -> {
                ManagedChannel channel = GrpcPerInvocationBenchmark.defaultChannel(target, null);
                Publisher publisher = emulatorPublisher(channel);
                try {
                  return answered(publisher.publish(MESSAGE).get(30, TimeUnit.SECONDS));
                } finally {
                  close(publisher, channel);
                }
              };
          case "defaultShared" -> {
            ManagedChannel channel = GrpcPerInvocationBenchmark.defaultChannel(target, null);
            Publisher shared = emulatorPublisher(channel);
            atEnd(() -> close(shared, channel));
            yield () -> answered(shared.publish(MESSAGE).get(30, TimeUnit.SECONDS));
          }
          case "fnclients" -> {
            FnClientsInstance runtime = fnclients();
            PubsubConfig options = PubsubConfig.custom().emulatorHost(target).build();
            yield () -> answered(runtime.publisher(TOPIC, options).publishAndWait(MESSAGE));
          }
          default -> throw new IllegalArgumentException("variant " + variant);
        };
    check();
  }

  /** A {@code Publisher} for the emulator, as its documentation builds one. */
  private static Publisher emulatorPublisher(ManagedChannel channel) throws IOException {
    return Publisher.newBuilder(TOPIC)
        .setChannelProvider(
            FixedTransportChannelProvider.create(GrpcTransportChannel.create(channel)))
        .setCredentialsProvider(NoCredentialsProvider.create())
        .build();
  }

  private static void close(Publisher publisher, ManagedChannel channel)
      throws InterruptedException {
    publisher.shutdown();
    publisher.awaitTermination(30, TimeUnit.SECONDS);
    GrpcPerInvocationBenchmark.close(channel);
  }
}
