package dev.fnclients.benchmarks;

import dev.fnclients.FnClientsInstance;
import dev.fnclients.grpc.GrpcConfig;
import dev.fnclients.testkit.grpc.EchoGrpcServer;
import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * One invocation making one unary call to the testkit's loopback {@link EchoGrpcServer}, plaintext
 * or TLS (a throwaway certificate the clients really verify). {@code channelPerInvocation}: a
 * default channel (with a TLS context of its own) built per invocation, shut down and awaited after
 * it; {@code defaultShared}: one default channel; {@code defaultSharedDeadline}: the same with the
 * 30 s deadline FnClients gives a call that sets none (gRPC then arms a timer per call, on the
 * client and on the in-process server, and sends {@code grpc-timeout}), so that what FnClients adds
 * beyond the deadline shows on its own; {@code fnclients}: {@code runtime.grpc(target, options)} on
 * every invocation, as {@code FnClients.grpc} (over TLS trusting the JVM's default trust store,
 * which the set-up points at the certificate). The server counts the connections.
 */
public class GrpcPerInvocationBenchmark extends InvocationBenchmark {
  @Param({"channelPerInvocation", "defaultShared", "defaultSharedDeadline", "fnclients"})
  public String variant;

  @Param({"plaintext", "tls"})
  public String scheme;

  private ManagedChannel shared;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    LoopbackTls tls = scheme.equals("tls") ? LoopbackTls.create() : null;
    EchoGrpcServer server = startServer(tls);
    atEnd(server::close);
    connections = server::connectionsAccepted;
    String target = server.target();
    invocation =
        switch (variant) {
          case "channelPerInvocation" ->
              () -> {
                ManagedChannel channel = Grpc.newChannelBuilder(target, credentials(tls)).build();
                try {
                  return say(channel, CallOptions.DEFAULT);
                } finally {
                  close(channel);
                }
              };
          case "defaultShared", "defaultSharedDeadline" -> {
            shared = Grpc.newChannelBuilder(target, credentials(tls)).build();
            atEnd(() -> close(shared));
            CallOptions options =
                variant.equals("defaultShared")
                    ? CallOptions.DEFAULT
                    : CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS);
            yield () -> say(shared, options);
          }
          case "fnclients" -> {
            FnClientsInstance runtime = fnclients();
            GrpcConfig options = fnclientsOptions(tls);
            yield () -> say(runtime.grpc(target, options), CallOptions.DEFAULT);
          }
          default -> throw new IllegalArgumentException("variant " + variant);
        };
    check();
  }

  private String say(ManagedChannel channel, CallOptions options) {
    return answered(EchoGrpcServer.call(channel, EchoGrpcServer.SAY, "ok", options));
  }

  /**
   * The echo server, plaintext or over {@code tls}; for TLS the certificate also becomes the JVM's
   * default trust, which FnClients' TLS channel uses.
   */
  static EchoGrpcServer startServer(LoopbackTls tls) throws Exception {
    if (tls == null) {
      return EchoGrpcServer.start(InsecureServerCredentials.create());
    }
    tls.installAsDefaultTrustStore();
    return EchoGrpcServer.start(
        TlsServerCredentials.newBuilder().keyManager(tls.server().keyManager()).build());
  }

  /** FnClients' options for the server: plaintext when there is no TLS. */
  static GrpcConfig fnclientsOptions(LoopbackTls tls) {
    return tls == null ? GrpcConfig.custom().usePlaintext().build() : GrpcConfig.ofDefaults();
  }

  /** What a default channel is built with: plaintext, or TLS with a trust manager of its own. */
  static ChannelCredentials credentials(LoopbackTls tls) {
    return tls == null
        ? InsecureChannelCredentials.create()
        : TlsChannelCredentials.newBuilder().trustManager(tls.newClient().trustManager()).build();
  }

  /** Shuts a channel down and waits for it, as a tidy per-invocation client does. */
  static void close(ManagedChannel channel) throws InterruptedException {
    channel.shutdown();
    if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
      channel.shutdownNow();
    }
  }
}
