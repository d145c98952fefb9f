package dev.fnclients.benchmarks;

import com.google.pubsub.v1.PublishRequest;
import com.google.pubsub.v1.PublishResponse;
import com.google.pubsub.v1.PublisherGrpc;
import dev.fnclients.testkit.grpc.EchoGrpcServer;
import io.grpc.Attributes;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServerTransportFilter;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A loopback gRPC server (Netty, plaintext or TLS, 127.0.0.1) for the gRPC and Pub/Sub benchmarks: the
 * testkit's echo method ({@link EchoGrpcServer#SAY}, same descriptor, so clients call it the same
 * way) and the Pub/Sub {@code Publisher} service answering every {@code Publish} with fresh message
 * ids. It counts the connections it accepts (a {@link ServerTransportFilter}), so the benchmarks get
 * a server-side connection count that is the same for every client variant.
 *
 * <p>Why not the testkit's {@code EchoGrpcServer} and {@code LoopbackPubsubServer} behind an
 * {@code IdleKillingProxy} counting accepted connections: the proxy relays every byte through two
 * extra threads and opens a second connection (plus two thread starts) for every client connection,
 * which would add to the very times being measured, more to the client-per-invocation variants than
 * to the shared ones. {@code LoopbackPubsubServer} also keeps every message it answers, which a
 * benchmark publishing a hundred thousand messages per trial does not need. The platform simulation,
 * where the proxy's idle killing is the point, does use the testkit servers behind the proxy.
 */
final class CountingGrpcServer implements AutoCloseable {
  private final Server server;
  private final LongAdder connections = new LongAdder();
  private final AtomicLong messageIds = new AtomicLong();

  private CountingGrpcServer(LoopbackTls tls) throws IOException {
    ServerServiceDefinition echo =
        ServerServiceDefinition.builder(EchoGrpcServer.SERVICE)
            .addMethod(EchoGrpcServer.SAY, ServerCalls.asyncUnaryCall((request, response) -> {
              response.onNext(request);
              response.onCompleted();
            }))
            .build();
    InetSocketAddress address = new InetSocketAddress("127.0.0.1", 0);
    ServerCredentials credentials = tls == null
        ? InsecureServerCredentials.create()
        : TlsServerCredentials.newBuilder().keyManager(tls.server().keyManager()).build();
    this.server = NettyServerBuilder.forAddress(address, credentials)
        .addService(echo)
        .addService(new Publisher())
        .addTransportFilter(new ServerTransportFilter() {
          @Override
          public Attributes transportReady(Attributes attributes) {
            connections.increment();
            return attributes;
          }
        })
        .build()
        .start();
  }

  /** A server over TLS with {@code tls}'s certificate, or plaintext when {@code tls} is null. */
  static CountingGrpcServer start(LoopbackTls tls) throws IOException {
    return new CountingGrpcServer(tls);
  }

  /** {@code 127.0.0.1:PORT}. */
  String target() {
    return "127.0.0.1:" + server.getPort();
  }

  /** Connections (transports) the server has accepted so far. */
  long connectionsAccepted() {
    return connections.sum();
  }

  @Override
  public void close() {
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private final class Publisher extends PublisherGrpc.PublisherImplBase {
    @Override
    public void publish(PublishRequest request, StreamObserver<PublishResponse> observer) {
      PublishResponse.Builder answer = PublishResponse.newBuilder();
      for (int i = 0; i < request.getMessagesCount(); i++) {
        answer.addMessageIds(Long.toString(messageIds.incrementAndGet()));
      }
      observer.onNext(answer.build());
      observer.onCompleted();
    }
  }
}
