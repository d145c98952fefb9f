package dev.fnclients.testkit.grpc;

import io.grpc.Attributes;
import io.grpc.BindableService;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.InsecureServerCredentials;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCredentials;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServerTransportFilter;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
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
  public static final MethodDescriptor<String, String> SAY = unary("Say");
  public static final MethodDescriptor<String, String> FAIL = unary("Fail");
  public static final MethodDescriptor<String, String> SLOW = unary("Slow");
  public static final MethodDescriptor<String, String> HANG = unary("Hang");

  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> failuresByKey = new ConcurrentHashMap<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  private final AtomicInteger connections = new AtomicInteger();

  private EchoGrpcServer(int port, ServerCredentials credentials, BindableService... more)
      throws IOException {
    super("echo-grpc-server-timer");
    ServerServiceDefinition service =
        ServerServiceDefinition.builder(SERVICE)
            .addMethod(
                SAY,
                ServerCalls.asyncUnaryCall(
                    (request, response) -> {
                      count(SAY);
                      reply(response, request);
                    }))
            .addMethod(FAIL, ServerCalls.asyncUnaryCall(this::fail))
            .addMethod(SLOW, ServerCalls.asyncUnaryCall(this::slow))
            .addMethod(HANG, ServerCalls.asyncUnaryCall((request, response) -> count(HANG)))
            .build();
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port), credentials)
            .addService(service)
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

  /** Starts a server on an ephemeral loopback port. */
  public static EchoGrpcServer start() throws IOException {
    return new EchoGrpcServer(0, InsecureServerCredentials.create());
  }

  /**
   * Starts a server on an ephemeral loopback port with {@code credentials} and {@code more}
   * services besides echo.
   */
  public static EchoGrpcServer start(ServerCredentials credentials, BindableService... more)
      throws IOException {
    return new EchoGrpcServer(0, credentials, more);
  }

  /** Starts a server on {@code port}, e.g. to restart one where clients expect it. */
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
    return maxInFlight.get();
  }

  /** A blocking unary call of {@code method} on {@code channel}. */
  public static String call(
      Channel channel,
      MethodDescriptor<String, String> method,
      String request,
      CallOptions options) {
    return ClientCalls.blockingUnaryCall(channel, method, options, request);
  }

  private void fail(String request, StreamObserver<String> response) {
    count(FAIL);
    String[] parts = request.split(":", 3);
    Status.Code code = Status.Code.valueOf(parts[0]);
    int times = Integer.parseInt(parts[1]);
    int failed =
        failuresByKey
            .computeIfAbsent(parts.length > 2 ? parts[2] : "", k -> new AtomicInteger())
            .getAndIncrement();
    if (failed < times) {
      response.onError(
          Status.fromCode(code)
              .withDescription("failing as asked (" + (failed + 1) + "/" + times + ")")
              .asRuntimeException());
    } else {
      reply(response, "ok");
    }
  }

  private void slow(String request, StreamObserver<String> response) {
    count(SLOW);
    int now = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(now, Math::max);
    timer.schedule(
        () -> {
          inFlight.decrementAndGet();
          reply(response, "ok");
        },
        Long.parseLong(request),
        TimeUnit.MILLISECONDS);
  }

  private void count(MethodDescriptor<?, ?> method) {
    calls.computeIfAbsent(method.getFullMethodName(), k -> new AtomicInteger()).incrementAndGet();
  }

  private static void reply(StreamObserver<String> response, String message) {
    try {
      response.onNext(message);
      response.onCompleted();
    } catch (RuntimeException e) {
      // The client went away (cancelled or deadline passed): nothing to answer.
    }
  }

  private static MethodDescriptor<String, String> unary(String name) {
    return StringMethods.unary(SERVICE, name);
  }
}
