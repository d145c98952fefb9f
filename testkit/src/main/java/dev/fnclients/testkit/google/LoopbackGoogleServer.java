package dev.fnclients.testkit.google;

import dev.fnclients.testkit.grpc.LoopbackGrpcServer;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the loopback servers for Google's GAPIC clients share: a real gRPC server (Netty) on
 * loopback serving one service, counting calls, recording the {@code authorization} and {@code
 * x-goog-api-client} headers each call carried (never using them elsewhere), and failing the next
 * calls with a status on demand, to count a client's retries from the server's side.
 */
public abstract class LoopbackGoogleServer extends LoopbackGrpcServer {
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> API_CLIENT =
      Metadata.Key.of("x-goog-api-client", Metadata.ASCII_STRING_MARSHALLER);

  private final AtomicInteger calls = new AtomicInteger();
  private final AtomicInteger failuresLeft = new AtomicInteger();
  private volatile Status.Code failureCode = Status.Code.UNAVAILABLE;
  private final List<String> authorizations = new CopyOnWriteArrayList<>();
  private final List<String> apiClients = new CopyOnWriteArrayList<>();

  protected LoopbackGoogleServer(String timerName) {
    super(timerName);
  }

  /** Serves {@code service} on an ephemeral loopback port; the subclass's constructor calls it. */
  protected final void serve(ServerServiceDefinition service) throws IOException {
    ServerInterceptor recordHeaders =
        new ServerInterceptor() {
          @Override
          public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
              ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
            authorizations.add(String.valueOf(headers.get(AUTHORIZATION)));
            apiClients.add(String.valueOf(headers.get(API_CLIENT)));
            return next.startCall(call, headers);
          }
        };
    start(
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(ServerInterceptors.intercept(service, recordHeaders)));
  }

  /**
   * Counts a call and, when failures were asked for, fails it: a handler answers only when this
   * returns {@code false}.
   */
  protected final boolean countAndMaybeFail(StreamObserver<?> response) {
    calls.incrementAndGet();
    if (failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) == 0) {
      return false;
    }
    response.onError(failureCode.toStatus().withDescription("injected failure").asException());
    return true;
  }

  /** Calls received, each attempt counted. */
  public int calls() {
    return calls.get();
  }

  /**
   * The {@code authorization} header of each call, in arrival order ({@code "null"} when absent).
   */
  public List<String> authorizations() {
    return List.copyOf(authorizations);
  }

  /**
   * The {@code x-goog-api-client} header of each call, in arrival order ({@code "null"} when
   * absent).
   */
  public List<String> apiClientHeaders() {
    return List.copyOf(apiClients);
  }

  /** Fails the next {@code count} calls with {@code code}. */
  public void failNext(int count, Status.Code code) {
    this.failureCode = code;
    failuresLeft.set(count);
  }
}
