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
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.ServerCalls.UnaryMethod;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real gRPC server (Netty) on loopback serving {@code fnclients.test.Echo} ({@link
 * StringMethods}). It counts what it receives, so tests can prove retries and caps from the
 * server's side, and the connections it accepts.
 *
 * <ul>
 *   <li>{@link #SAY}: answers with the request.
 *   <li>{@link #FAIL}: request {@code CODE:N:key} fails with status CODE for the first N calls
 *       carrying that key, then answers {@code ok}.
 *   <li>{@link #SLOW}: request is a number of milliseconds; answers after that long.
 *   <li>{@link #HANG}: never answers; the call ends only by deadline or cancellation.
 * </ul>
 */
public final class EchoGrpcServer extends LoopbackGrpcServer {
  public static final String SERVICE = "fnclients.test.Echo";
  public static final MethodDescriptor<String, String> SAY = StringMethods.unary(SERVICE, "Say");
  public static final MethodDescriptor<String, String> FAIL = StringMethods.unary(SERVICE, "Fail");
  public static final MethodDescriptor<String, String> SLOW = StringMethods.unary(SERVICE, "Slow");
  public static final MethodDescriptor<String, String> HANG = StringMethods.unary(SERVICE, "Hang");

  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> failuresByKey = new ConcurrentHashMap<>();
  private final AtomicInteger slowInFlight = new AtomicInteger();
  private final AtomicInteger maxSlowInFlight = new AtomicInteger();
  private final AtomicInteger connections = new AtomicInteger();

  private EchoGrpcServer(int port, ServerCredentials credentials, BindableService... more)
      throws IOException {
    super("echo-grpc-server-timer");
    ServerServiceDefinition echo =
        ServerServiceDefinition.builder(SERVICE)
            .addMethod(counted(SAY, (request, response) -> reply(response, request)))
            .addMethod(counted(FAIL, this::fail))
            .addMethod(counted(SLOW, this::slow))
            .addMethod(counted(HANG, (request, response) -> {}))
            .build();
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port), credentials)
            .addService(echo)
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

  /** Calls to {@code method} received so far, each attempt counted. */
  public int calls(MethodDescriptor<?, ?> method) {
    AtomicInteger n = calls.get(method.getFullMethodName());
    return n == null ? 0 : n.get();
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

  private ServerMethodDefinition<String, String> counted(
      MethodDescriptor<String, String> method, UnaryMethod<String, String> body) {
    UnaryMethod<String, String> counting =
        (request, response) -> {
          calls
              .computeIfAbsent(method.getFullMethodName(), k -> new AtomicInteger())
              .incrementAndGet();
          body.invoke(request, response);
        };
    return ServerMethodDefinition.create(method, ServerCalls.asyncUnaryCall(counting));
  }

  private void fail(String request, StreamObserver<String> response) {
    String[] parts = request.split(":", 3);
    int times = Integer.parseInt(parts[1]);
    int failed =
        failuresByKey
            .computeIfAbsent(parts.length > 2 ? parts[2] : "", k -> new AtomicInteger())
            .getAndIncrement();
    if (failed < times) {
      response.onError(
          Status.Code.valueOf(parts[0])
              .toStatus()
              .withDescription("failing as asked (" + (failed + 1) + "/" + times + ")")
              .asRuntimeException());
    } else {
      reply(response, "ok");
    }
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
