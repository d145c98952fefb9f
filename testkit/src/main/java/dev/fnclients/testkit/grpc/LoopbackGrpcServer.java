package dev.fnclients.testkit.grpc;

import com.google.common.collect.ConcurrentHashMultiset;
import com.google.common.collect.Multiset;
import com.google.common.util.concurrent.ThreadFactoryBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** What the loopback gRPC servers share (see the testkit README). */
public abstract class LoopbackGrpcServer implements AutoCloseable {
  /** For answers given later; stopped with the server. */
  protected final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          new ThreadFactoryBuilder()
              .setNameFormat(getClass().getSimpleName() + "-timer")
              .setDaemon(true)
              .build());

  private final Multiset<String> calls = ConcurrentHashMultiset.create(); // by full method name
  private int failuresLeft; // guarded by this, like failureCode: one call takes both
  private Status.Code failureCode;
  private Server server;

  /** A server builder on {@code 127.0.0.1:port} (0: any free port) that counts every call. */
  protected final NettyServerBuilder loopback(int port, ServerCredentials credentials) {
    ServerInterceptor counting =
        new ServerInterceptor() {
          @Override
          public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
              ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
            calls.add(call.getMethodDescriptor().getFullMethodName());
            return next.startCall(call, headers);
          }
        };
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port), credentials)
        .intercept(counting);
  }

  /** Builds and starts the server; the subclass's constructor calls it once. */
  protected final void start(NettyServerBuilder builder) throws IOException {
    server = builder.build().start();
  }

  /** Answers a unary call; false when the client went away first (cancelled, deadline passed). */
  protected static <T> boolean reply(StreamObserver<T> response, T message) {
    try {
      response.onNext(message);
      response.onCompleted();
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Fails the call with {@code code}, unless the client went away first. */
  protected static void fail(StreamObserver<?> response, Status.Code code) {
    try {
      response.onError(code.toStatus().withDescription("failing as asked").asRuntimeException());
    } catch (RuntimeException e) {
      // Nothing to fail.
    }
  }

  /** Fails the call if {@link #failNext} asked for it: a handler answers only when false. */
  protected final boolean failedAsAsked(StreamObserver<?> response) {
    Status.Code code;
    synchronized (this) {
      if (failuresLeft == 0) {
        return false;
      }
      failuresLeft--;
      code = failureCode;
    }
    fail(response, code);
    return true;
  }

  /** Makes the next {@code rpcs} calls fail with {@code code}; replaces failures still pending. */
  public final synchronized void failNext(int rpcs, Status.Code code) {
    if (rpcs < 0) {
      throw new IllegalArgumentException("rpcs must not be negative: " + rpcs);
    } else if (Objects.requireNonNull(code, "code") == Status.Code.OK) {
      // Closing a unary call with OK and no answer makes the client report INTERNAL, not success.
      throw new IllegalArgumentException("a failure needs a code other than OK");
    }
    failuresLeft = rpcs;
    failureCode = code;
  }

  /** Calls to {@code method} received so far, each attempt counted. */
  public int calls(MethodDescriptor<?, ?> method) {
    return calls.count(method.getFullMethodName());
  }

  /** Calls received so far, of every method. */
  public int calls() {
    return calls.size();
  }

  public int port() {
    return server.getPort();
  }

  public InetSocketAddress address() {
    return new InetSocketAddress("127.0.0.1", port());
  }

  /** {@code 127.0.0.1:PORT}, as a gRPC target. */
  public String target() {
    return "127.0.0.1:" + port();
  }

  /** Stops at once, cutting open connections; waits up to {@code timeout} for the end. */
  public void stop(Duration timeout) {
    server.shutdownNow();
    timer.shutdownNow();
    try {
      server.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stop(Duration.ofSeconds(5));
  }
}
