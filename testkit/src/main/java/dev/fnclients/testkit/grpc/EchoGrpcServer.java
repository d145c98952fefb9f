package dev.fnclients.testkit.grpc;

import io.grpc.Attributes;
import io.grpc.BindableService;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.InsecureServerCredentials;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCredentials;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServerTransportFilter;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.ServerCalls.UnaryMethod;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback gRPC server of {@code fnclients.test.Echo}: {@link #SAY} answers with the request,
 * {@link #SLOW} after its number of milliseconds, {@link #HANG} never.
 */
public final class EchoGrpcServer extends LoopbackGrpcServer {
  public static final String SERVICE = "fnclients.test.Echo";
  public static final MethodDescriptor<String, String> SAY = StringMethods.unary(SERVICE, "Say");
  public static final MethodDescriptor<String, String> SLOW = StringMethods.unary(SERVICE, "Slow");
  public static final MethodDescriptor<String, String> HANG = StringMethods.unary(SERVICE, "Hang");

  private final AtomicInteger slowInFlight = new AtomicInteger();
  private final AtomicInteger maxSlowInFlight = new AtomicInteger();
  private final AtomicInteger connections = new AtomicInteger();

  private EchoGrpcServer(int port, ServerCredentials credentials, BindableService... more)
      throws IOException {
    NettyServerBuilder builder =
        loopback(port, credentials)
            .addService(
                ServerServiceDefinition.builder(SERVICE)
                    .addMethod(method(SAY, (request, response) -> reply(response, request)))
                    .addMethod(method(SLOW, this::slow))
                    .addMethod(method(HANG, (request, response) -> {}))
                    .build())
            .addTransportFilter(
                new ServerTransportFilter() {
                  @Override
                  public Attributes transportReady(Attributes attributes) {
                    connections.incrementAndGet();
                    return attributes;
                  }
                });
    for (BindableService s : more) {
      builder.addService(s);
    }
    start(builder);
  }

  public static EchoGrpcServer start() throws IOException {
    return new EchoGrpcServer(0, InsecureServerCredentials.create());
  }

  /** With {@code credentials} and {@code more} services besides echo. */
  public static EchoGrpcServer start(ServerCredentials credentials, BindableService... more)
      throws IOException {
    return new EchoGrpcServer(0, credentials, more);
  }

  /** On {@code port}, e.g. to restart one where clients expect it. */
  public static EchoGrpcServer start(int port) throws IOException {
    return new EchoGrpcServer(port, InsecureServerCredentials.create());
  }

  /** Connections (transports) the server has accepted so far. */
  public int connectionsAccepted() {
    return connections.get();
  }

  /** The most {@link #SLOW} calls that were in progress at once. */
  public int maxConcurrentSlowCalls() {
    return maxSlowInFlight.get();
  }

  /** A blocking unary call of {@code method} on {@code channel}. */
  public static String call(
      Channel channel,
      MethodDescriptor<String, String> method,
      String request,
      CallOptions options) {
    return ClientCalls.blockingUnaryCall(channel, method, options, request);
  }

  private ServerMethodDefinition<String, String> method(
      MethodDescriptor<String, String> method, UnaryMethod<String, String> body) {
    return ServerMethodDefinition.create(
        method,
        ServerCalls.asyncUnaryCall(
            (request, response) -> {
              if (!failedAsAsked(response)) {
                body.invoke(request, response);
              }
            }));
  }

  private void slow(String request, StreamObserver<String> response) {
    maxSlowInFlight.accumulateAndGet(slowInFlight.incrementAndGet(), Math::max);
    Runnable answer =
        () -> {
          slowInFlight.decrementAndGet();
          reply(response, "ok");
        };
    timer.schedule(answer, Long.parseLong(request), TimeUnit.MILLISECONDS);
  }
}
