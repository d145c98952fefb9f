package dev.fnclients.examples;

import dev.fnclients.testkit.ChildJvm;
import dev.fnclients.testkit.IdleKillingProxy;
import dev.fnclients.testkit.IdleKillingProxy.Mode;
import dev.fnclients.testkit.LoopbackHttpServer;
import dev.fnclients.testkit.grpc.EchoGrpcServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * The idle-gap harness of {@link PlatformSimulation}: a function instance ({@link IdleGapInstance},
 * a child JVM) frozen ({@code SIGSTOP}) between invocations, as a platform freezes an idle one,
 * calls a loopback server through an {@link IdleKillingProxy} that kills idle connections, as a NAT
 * gateway does, and counts them. The long form: benchmarks/README.md.
 */
public final class IdleGap {
  /** The three ways a function can hold its client. */
  public static final List<String> VARIANTS =
      List.of("clientPerInvocation", "defaultShared", "fnclients");

  private static final Map<String, String> LABELS =
      Map.of(
          "clientPerInvocation", "client per invocation",
          "defaultShared", "default shared client",
          "fnclients", "FnClients");
  private static final Duration ANSWER = Duration.ofSeconds(30);

  private IdleGap() {}

  /**
   * What to run, in milliseconds: frozen {@code longGap} (past {@code idleLimit}) before every
   * {@code gapEvery}-th invocation after the first, {@code shortGap} before the others; {@code
   * timeout}, the default clients' read timeout and gRPC deadline; then the bursts.
   */
  public record Settings(
      long idleLimitMillis,
      long longGapMillis,
      long shortGapMillis,
      long maxIdleAgeMillis,
      long timeoutMillis,
      int invocations,
      int gapEvery,
      int burstSize,
      int bursts,
      List<String> protocols) {

    /** The simulation's settings, or the {@code --quick} ones. */
    public static Settings of(boolean quick) {
      return new Settings(
          1000,
          1300,
          100,
          500,
          quick ? 3_000 : 10_000,
          quick ? 12 : 20,
          4,
          quick ? 50 : 250,
          4,
          List.of("http", "grpc"));
    }

    /** {@code n} invocations, a long gap before every {@code gapEvery}-th, short gaps between. */
    public Settings with(int n, int gapEvery, long shortGapMillis) {
      return new Settings(
          idleLimitMillis,
          longGapMillis,
          shortGapMillis,
          maxIdleAgeMillis,
          timeoutMillis,
          n,
          gapEvery,
          burstSize,
          bursts,
          protocols);
    }

    public boolean longGapBefore(int invocation) {
      return invocation > 1 && (invocation - 1) % gapEvery == 0;
    }

    public int longGaps() {
      return (invocations - 1) / gapEvery;
    }
  }

  /**
   * One client variant across idle gaps: {@code killed}, connections the proxy killed because the
   * client wrote to them late; {@code retries} and {@code idleDiscards}, -1 where not counted; live
   * threads when ready, after the last and the first invocation; the instance's uptime when ready.
   */
  public record Run(
      String protocol,
      Mode mode,
      String variant,
      int invocations,
      int ok,
      double p50Millis,
      double p99Millis,
      double maxMillis,
      int connections,
      int killed,
      long retries,
      long idleDiscards,
      int threadsStart,
      int threadsEnd,
      long startToReadyMillis,
      List<Long> latencyMicros,
      List<Boolean> okList,
      List<Integer> longGapBefore,
      Map<String, Integer> errors,
      int threadsAfterFirst) {

    public int failed() {
      return invocations - ok;
    }
  }

  /**
   * One client variant across bursts of back-to-back invocations separated by frozen long gaps:
   * {@code threadsStart}, live threads after the first invocation.
   */
  public record Burst(
      String protocol,
      String variant,
      int invocations,
      int gaps,
      int ok,
      int failed,
      double maxMillis,
      int connections,
      int killed,
      long retries,
      int threadsStart,
      int threadsEnd) {

    public static Burst of(Run r) {
      return new Burst(
          r.protocol(),
          r.variant(),
          r.invocations(),
          r.longGapBefore().size(),
          r.ok(),
          r.failed(),
          r.maxMillis(),
          r.connections(),
          r.killed(),
          r.retries(),
          r.threadsAfterFirst(),
          r.threadsEnd());
    }
  }

  /**
   * Runs {@code s.invocations()} invocations of one client variant across frozen gaps, against a
   * {@link LoopbackHttpServer} for http, an {@link EchoGrpcServer} for grpc.
   */
  public static Run run(Settings s, String protocol, Mode mode, String variant) throws Exception {
    boolean http = protocol.equals("http");
    String target = http ? "http://127.0.0.1:%d/items" : "127.0.0.1:%d"; // the server or the proxy
    try (LoopbackHttpServer httpServer = http ? LoopbackHttpServer.start() : null;
        EchoGrpcServer grpcServer = http ? null : EchoGrpcServer.start()) {
      InetSocketAddress server = http ? httpServer.address() : grpcServer.address();
      try (IdleKillingProxy proxy =
              IdleKillingProxy.start(server, Duration.ofMillis(s.idleLimitMillis()), mode);
          ChildJvm child =
              ChildJvm.builder(IdleGapInstance.class)
                  .jvmArgs("-Xmx256m")
                  .classpath(classpath())
                  .env("FNCLIENTS_MAX_IDLE_AGE", s.maxIdleAgeMillis() + "ms")
                  .args(
                      protocol,
                      variant,
                      String.format(target, server.getPort()),
                      String.format(target, proxy.port()),
                      Long.toString(s.timeoutMillis()))
                  .start()) {
        return run(s, protocol, mode, variant, proxy, child);
      }
    }
  }

  private static Run run(
      Settings s,
      String protocol,
      Mode mode,
      String variant,
      IdleKillingProxy proxy,
      ChildJvm child)
      throws Exception {
    // READY uptimeMillis threads retries idleDiscards
    String[] ready = child.expectLine("READY", Duration.ofSeconds(90)).split(" ");
    List<Long> latencies = new ArrayList<>();
    List<Boolean> ok = new ArrayList<>();
    Map<String, Integer> errors = new TreeMap<>();
    String[] answer = null;
    int threadsAfterFirst = -1;
    for (int i = 1; i <= s.invocations(); i++) {
      long gap = s.longGapBefore(i) ? s.longGapMillis() : i > 1 ? s.shortGapMillis() : 0;
      if (gap > 0) {
        child.freezeFor(Duration.ofMillis(gap)); // the injected fault: a frozen idle instance
      }
      child.send("INVOKE");
      // OK|FAIL micros threads retries idleDiscards error
      answer = child.readLine(Duration.ofMillis(s.timeoutMillis()).plus(ANSWER)).split(" ", 6);
      latencies.add(Long.parseLong(answer[1]));
      ok.add(answer[0].equals("OK"));
      if (answer[0].equals("FAIL")) {
        errors.merge(answer[5], 1, Integer::sum);
      }
      threadsAfterFirst = i == 1 ? Integer.parseInt(answer[2]) : threadsAfterFirst;
    }
    return new Run(
        protocol,
        mode,
        variant,
        ok.size(),
        (int) ok.stream().filter(b -> b).count(),
        percentile(latencies, 50) / 1000,
        percentile(latencies, 99) / 1000,
        percentile(latencies, 100) / 1000,
        proxy.acceptedConnections(),
        proxy.killedConnections(),
        since(ready, answer, 3),
        since(ready, answer, 4),
        Integer.parseInt(ready[2]),
        Integer.parseInt(answer[2]),
        Long.parseLong(ready[1]),
        latencies,
        ok,
        IntStream.rangeClosed(1, s.invocations()).filter(s::longGapBefore).boxed().toList(),
        errors,
        threadsAfterFirst);
  }

  /** A counter's growth since the instance was ready (the uncounted first call), -1 if none. */
  private static long since(String[] ready, String[] last, int index) {
    long start = Long.parseLong(ready[index]);
    return start < 0 ? -1 : Long.parseLong(last[index]) - start;
  }

  /**
   * The instance's class path: the one the examples build wrote, under {@code exec:java} (whose
   * {@code java.class.path} is Maven's) and its tests, else this JVM's (the benchmarks jar).
   */
  private static String classpath() throws IOException {
    String dir = System.getProperty("fnexample.outputDir");
    return dir == null
        ? System.getProperty("java.class.path")
        : FunctionInvoker.Setup.classpath(Path.of(dir), "demo-classpath.txt");
  }

  /** How the simulation names a client variant. */
  public static String label(String variant) {
    return LABELS.getOrDefault(variant, variant);
  }

  /** Nearest-rank percentile, NaN for no values. */
  public static double percentile(List<? extends Number> values, double p) {
    double[] sorted = values.stream().mapToDouble(Number::doubleValue).sorted().toArray();
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted.length == 0 ? Double.NaN : sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
  }
}
