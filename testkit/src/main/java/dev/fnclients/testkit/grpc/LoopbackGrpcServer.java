package dev.fnclients.testkit.grpc;

import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What the loopback gRPC servers share: a server on 127.0.0.1, started by the subclass's
 * constructor, a daemon timer for answers given later, and stopping at once.
 */
public abstract class LoopbackGrpcServer implements AutoCloseable {
  /** For answers given later; stopped with the server. */
  protected final ScheduledExecutorService timer;

  private Server server;

  protected LoopbackGrpcServer(String timerName) {
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, timerName);
              t.setDaemon(true);
              return t;
            });
  }

  /** Builds and starts the server; the subclass's constructor calls it once. */
  protected final void start(ServerBuilder<?> builder) throws IOException {
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

  public int port() {
    return server.getPort();
  }

  public InetSocketAddress address() {
    return new InetSocketAddress("127.0.0.1", port());
  }

  /** The server's address as a gRPC target, {@code 127.0.0.1:PORT}. */
  public String target() {
    return "127.0.0.1:" + port();
  }

  /**
   * Stops the server at once, cutting open connections; waits up to {@code timeout} for it to end.
   */
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
