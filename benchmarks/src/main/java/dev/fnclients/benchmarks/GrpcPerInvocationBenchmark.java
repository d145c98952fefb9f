package dev.fnclients.benchmarks;

import dev.fnclients.grpc.GrpcConfig;
import dev.fnclients.FnClientsInstance;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.testkit.grpc.EchoGrpcServer;
import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of one function invocation that makes one unary gRPC call (loopback, the echo method
 * of {@link CountingGrpcServer}), in plaintext (an emulator, a sidecar) and over TLS (every Google
 * API; the server presents a throwaway certificate for 127.0.0.1 that the clients really verify).
 *
 * <ul>
 *   <li>{@code channelPerInvocation}: the anti-pattern done politely. Each invocation builds a
 *       default channel ({@code Grpc.newChannelBuilder(target, credentials)}), makes
 *       the call, then {@code shutdown()} and {@code awaitTermination}: a new TCP connection and
 *       HTTP/2 handshake (and TLS context and handshake) every time.
 *   <li>{@code defaultShared}: one default channel reused by every invocation.
 *   <li>{@code fnclients}: {@code runtime.grpc(target, options)} on every invocation, as a function
 *       calls {@code FnClients.grpc(target)} (TLS, trusting the JVM's default trust store, which the
 *       set-up points at the loopback certificate) or {@code FnClients.grpc(target, plaintext)}: a registry lookup, then the shared channel with
 *       its interceptors (idle reset, in-flight cap, default deadline, retry counting, Micrometer).
 * </ul>
 *
 * <p>Secondary figures: {@code connectionsOpened} counted by the server (transports it accepted),
 * the same for every variant, and live threads.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx512m"})
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 3, time = 2)
public class GrpcPerInvocationBenchmark {
  static final GrpcConfig PLAINTEXT = GrpcConfig.custom().usePlaintext().build();

  @Param({"channelPerInvocation", "defaultShared", "fnclients"})
  public String variant;

  @Param({"plaintext", "tls"})
  public String scheme;

  private LoopbackTls tls;
  private CountingGrpcServer server;
  private String target;
  private ManagedChannel shared;
  private FnClientsInstance runtime;
  private Invocation invocation;
  /** Thread.activeCount() when the last answer arrived, before any per-invocation teardown. */
  private int liveAtAnswer;

  private interface Invocation {
    String run() throws Exception;
  }

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    if (scheme.equals("tls")) {
      tls = LoopbackTls.create();
      tls.installAsDefaultTrustStore(); // FnClients' TLS channel trusts the JVM's default trust store
    }
    server = CountingGrpcServer.start(tls);
    target = server.target();
    GrpcConfig fnclientsOptions = tls == null ? PLAINTEXT : GrpcConfig.ofDefaults();
    switch (variant) {
      case "channelPerInvocation":
        invocation = () -> {
          ManagedChannel channel = Grpc.newChannelBuilder(target, credentials()).build();
          try {
            String answer = EchoGrpcServer.call(channel, EchoGrpcServer.SAY, "ok", CallOptions.DEFAULT);
            liveAtAnswer = Thread.activeCount();
            return answer;
          } finally {
            channel.shutdown();
            if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
              channel.shutdownNow();
            }
          }
        };
        break;
      case "defaultShared":
        shared = Grpc.newChannelBuilder(target, credentials()).build();
        invocation = () -> answered(EchoGrpcServer.call(shared, EchoGrpcServer.SAY, "ok", CallOptions.DEFAULT));
        break;
      case "fnclients":
        FnClientsConfig config = FnClientsConfig.custom().build();
        runtime = FnClientsInstance.create(config);
        invocation = () -> answered(
            EchoGrpcServer.call(runtime.grpc(target, fnclientsOptions), EchoGrpcServer.SAY, "ok", CallOptions.DEFAULT));
        break;
      default:
        throw new IllegalArgumentException("variant " + variant);
    }
    Clients.expectOk(invocation.run());
  }

  /**
   * What a default channel is built with: plaintext, or TLS trusting the loopback certificate
   * through a new trust manager, as each channel builds its own TLS context.
   */
  private ChannelCredentials credentials() {
    if (tls == null) {
      return InsecureChannelCredentials.create();
    }
    return TlsChannelCredentials.newBuilder().trustManager(tls.newClient().trustManager()).build();
  }

  private String answered(String answer) {
    liveAtAnswer = Thread.activeCount();
    return answer;
  }

  @Benchmark
  public String invocation(Counters counters) throws Exception {
    long before = server.connectionsAccepted();
    String body = invocation.run();
    counters.record(server.connectionsAccepted() - before, liveAtAnswer);
    return body;
  }

  @TearDown(Level.Trial)
  public void tearDown() throws InterruptedException {
    if (shared != null) {
      shared.shutdownNow();
      shared.awaitTermination(5, TimeUnit.SECONDS);
    }
    if (runtime != null) {
      runtime.shutdown();
    }
    server.close();
  }
}
