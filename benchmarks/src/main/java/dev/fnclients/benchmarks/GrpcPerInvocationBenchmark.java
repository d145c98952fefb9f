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

/** One invocation making one unary call to a loopback echo server; variants in the README. */
public class GrpcPerInvocationBenchmark extends InvocationBenchmark {
  @Param({"channelPerInvocation", "defaultShared", "defaultSharedDeadline", "fnclients"})
  public String variant;

  @Param({"plaintext", "tls"})
  public String scheme;

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
                ManagedChannel channel = defaultChannel(target, tls);
                try {
                  return say(channel, CallOptions.DEFAULT);
                } finally {
                  close(channel);
                }
              };
          case "defaultShared", "defaultSharedDeadline" -> {
            ManagedChannel shared = defaultChannel(target, tls);
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

  /** The echo server; over {@code tls} the certificate becomes the JVM's trust, for FnClients. */
  static EchoGrpcServer startServer(LoopbackTls tls) throws Exception {
    if (tls == null) {
      return EchoGrpcServer.start(InsecureServerCredentials.create());
    }
    tls.installAsDefaultTrustStore();
    return EchoGrpcServer.start(
        TlsServerCredentials.newBuilder().keyManager(tls.server().keyManager()).build());
  }

  static GrpcConfig fnclientsOptions(LoopbackTls tls) {
    return tls == null ? GrpcConfig.custom().usePlaintext().build() : GrpcConfig.ofDefaults();
  }

  /** A default channel: plaintext, or TLS with a trust manager of its own. */
  static ManagedChannel defaultChannel(String target, LoopbackTls tls) {
    ChannelCredentials credentials =
        tls == null
            ? InsecureChannelCredentials.create()
            : TlsChannelCredentials.newBuilder()
                .trustManager(tls.newClient().trustManager())
                .build();
    return Grpc.newChannelBuilder(target, credentials).build();
  }

  /** Shuts a channel down and waits, as a tidy per-invocation client does. */
  static void close(ManagedChannel channel) throws InterruptedException {
    channel.shutdown();
    if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
      channel.shutdownNow();
    }
  }
}
