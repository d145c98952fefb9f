package dev.fnclients.examples;

import dev.fnclients.testkit.ChildJvm;
import dev.fnclients.testkit.IdleKillingProxy;
import dev.fnclients.testkit.IdleKillingProxy.Mode;
import dev.fnclients.testkit.LoopbackHttpServer;
import dev.fnclients.testkit.grpc.EchoGrpcServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import java.util.function.IntSupplier;
import java.util.stream.IntStream;

/**
 * The idle-gap harness behind {@link IdleGapDemo} and the benchmarks' platform simulation: a
 * function instance ({@link IdleGapInstance}, in a child JVM) is invoked now and then and
 * <b>frozen</b> ({@code SIGSTOP}) between invocations, as a serverless platform freezes an idle
 * instance, while an {@link IdleKillingProxy} between it and a loopback server kills connections
 * idle past a limit, as a NAT gateway or load balancer does: by a reset ({@code RESET}) or by
 * silently swallowing what is sent ({@code DROP}). The proxy counts the connections (what the
 * server sees) and the ones it killed because the client wrote to them late.
 */
public final class IdleGap {
  private static final Duration ANSWER = Duration.ofSeconds(30);

  private IdleGap() {}

  /**
   * What to run: frozen {@code longGap} (longer than {@code idleLimit}) before invocations 1 +
   * gapEvery, 1 + 2 gapEvery, ..., {@code shortGap} before the others; {@code timeout}, the default
   * clients' read timeout or gRPC deadline; {@code calls}, what each invocation calls ({@code GET},
   * {@code POST}), taking turns at being first after a gap; {@code env}, the instance's environment
   * on top of this one's; {@code classpath}, the instance's, or null for this JVM's.
   */
  public record Settings(
      Duration idleLimit,
      Duration longGap,
      Duration shortGap,
      int invocations,
      int gapEvery,
      Duration timeout,
      List<String> calls,
      Map<String, String> env,
      String classpath) {

    public Settings {
      if (invocations < 1 || gapEvery < 1 || calls.isEmpty() || longGap.compareTo(idleLimit) <= 0) {
        throw new IllegalArgumentException(
            "needs invocations and gapEvery >= 1, a call, and longGap > idleLimit: " + this);
      }
    }

    /**
     * These settings with {@code n} invocations and a long gap before every {@code gapEvery}-th.
     */
    public Settings with(int n, int gapEvery, Duration timeout) {
      return new Settings(
          idleLimit, longGap, shortGap, n, gapEvery, timeout, calls, env, classpath);
    }

    public boolean longGapBefore(int invocation) {
      return invocation > 1 && (invocation - 1) % gapEvery == 0;
    }

    public int longGaps() {
      return (invocations - 1) / gapEvery;
    }

    /** The invocations that come after a long gap, as {@code "4, 7, 10 and 13"}. */
    public String longGapsBefore() {
      List<String> n =
          IntStream.rangeClosed(2, invocations)
              .filter(this::longGapBefore)
              .mapToObj(Integer::toString)
              .toList();
      return n.size() < 2
          ? String.join("", n)
          : String.join(", ", n.subList(0, n.size() - 1)) + " and " + n.get(n.size() - 1);
    }
  }

  /**
   * What one client variant did, per call, failed calls included: {@code killed}, connections the
   * proxy killed because the client wrote to them after the idle limit; {@code openAtGapEnd},
   * connections open at the end of the long gaps, summed; {@code stats}, the instance's own
   * counters (see {@link IdleGapInstance}), -1 where not counted; live threads when the instance
   * was ready, after the first invocation and after the last.
   */
  public record Run(
      String protocol,
      Mode mode,
      String variant,
      List<Long> latencyMicros,
      List<Boolean> ok,
      List<Integer> longGapBefore,
      Map<String, Integer> errors,
      List<String> failures,
      int connections,
      int killed,
      int openAtGapEnd,
      int serverReceived,
      Map<String, Long> stats,
      int threadsStart,
      int threadsAfterFirst,
      int threadsEnd,
      long startToReadyMillis) {

    public int succeeded() {
      return (int) ok.stream().filter(b -> b).count();
    }

    public int failed() {
      return ok.size() - succeeded();
    }

    public long stat(String name) {
      return stats.getOrDefault(name, -1L);
    }

    /** Nearest-rank percentile of the call latencies, in milliseconds. */
    public double percentileMillis(double p) {
      return percentile(latencyMicros, p) / 1000;
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
          r.ok().size(),
          r.longGapBefore().size(),
          r.succeeded(),
          r.failed(),
          r.percentileMillis(100),
          r.connections(),
          r.killed(),
          r.stat("retries"),
          r.threadsAfterFirst(),
          r.threadsEnd());
    }
  }

  /**
   * A loopback server: a {@link LoopbackHttpServer} for http, an {@link EchoGrpcServer} for grpc.
   */
  public record Upstream(
      String protocol, InetSocketAddress address, IntSupplier received, AutoCloseable server)
      implements AutoCloseable {

    public static Upstream start(String protocol) throws IOException {
      return switch (protocol) {
        case "http" -> {
          LoopbackHttpServer server = LoopbackHttpServer.start();
          yield new Upstream(protocol, server.address(), server::requestsReceived, server);
        }
        case "grpc" -> {
          EchoGrpcServer server = EchoGrpcServer.start();
          yield new Upstream(
              protocol, server.address(), () -> server.calls(EchoGrpcServer.SAY), server);
        }
        default -> throw new IllegalArgumentException("protocol " + protocol + " (http or grpc)");
      };
    }

    /** How a client addresses the server on {@code port}: itself, or a proxy in front of it. */
    String target(int port) {
      return protocol.equals("http") ? "http://127.0.0.1:" + port + "/items" : "127.0.0.1:" + port;
    }

    @Override
    public void close() throws Exception {
      server.close();
    }
  }

  /**
   * Runs {@code settings.invocations()} invocations of one client variant across frozen gaps (none
   * between invocations where {@code shortGap} is zero).
   */
  public static Run run(Settings settings, Mode mode, String variant, Upstream upstream)
      throws Exception {
    try (IdleKillingProxy proxy =
            IdleKillingProxy.start(upstream.address(), settings.idleLimit(), mode);
        Instance instance = Instance.start(settings, variant, upstream, proxy)) {
      int receivedBefore = upstream.received().getAsInt();
      List<Long> latencies = new ArrayList<>();
      List<Boolean> ok = new ArrayList<>();
      List<Integer> longGaps = new ArrayList<>();
      Map<String, Integer> errors = new TreeMap<>();
      List<String> failures = new ArrayList<>();
      int openAtGapEnd = 0;
      int threadsAfterFirst = -1;
      int threadsEnd = -1;
      for (int i = 1; i <= settings.invocations(); i++) {
        boolean afterLongGap = settings.longGapBefore(i);
        if (afterLongGap) {
          longGaps.add(i);
          openAtGapEnd += instance.frozen(settings.longGap(), proxy);
        } else if (i > 1 && !settings.shortGap().isZero()) {
          instance.frozen(settings.shortGap(), proxy);
        }
        List<String> calls = new ArrayList<>(settings.calls());
        Collections.rotate(calls, i - 1);
        instance.child().send("INVOKE " + String.join(" ", calls));
        for (String call : calls) {
          // OK|FAIL micros threads [error]
          String[] answer =
              instance.child().readLine(settings.timeout().plus(ANSWER)).split(" ", 4);
          latencies.add(Long.parseLong(answer[1]));
          ok.add(answer[0].equals("OK"));
          threadsEnd = Integer.parseInt(answer[2]);
          threadsAfterFirst = i == 1 ? threadsEnd : threadsAfterFirst;
          if (!answer[0].equals("OK")) {
            String error = answer.length > 3 ? answer[3] : "?";
            errors.merge(shortError(error), 1, Integer::sum);
            String gap =
                afterLongGap && call.equals(calls.get(0))
                    ? " (first call after a " + settings.longGap().toMillis() + " ms gap)"
                    : "";
            failures.add(
                String.format(
                    "invocation %d %s%s after %d ms: %s",
                    i, call, gap, Long.parseLong(answer[1]) / 1000, error));
          }
        }
      }
      return new Run(
          upstream.protocol(),
          mode,
          variant,
          latencies,
          ok,
          longGaps,
          errors,
          failures,
          proxy.acceptedConnections(),
          proxy.killedConnections(),
          openAtGapEnd,
          upstream.received().getAsInt() - receivedBefore,
          Instance.stats(instance.child(), instance.baseline()),
          instance.threadsStart(),
          threadsAfterFirst,
          threadsEnd,
          instance.startToReadyMillis());
    }
  }

  /** How the demo and the simulation name a client variant. */
  public static String label(String variant) {
    return switch (variant) {
      case "clientPerInvocation" -> "client per invocation";
      case "defaultShared" -> "default shared client";
      case "fnclients" -> "FnClients";
      default -> variant;
    };
  }

  /** A counter of the instance's, {@code -} where not counted. */
  public static String counted(long n) {
    return n < 0 ? "-" : Long.toString(n);
  }

  /** Nearest-rank percentile, NaN for no values. */
  public static double percentile(List<? extends Number> values, double p) {
    double[] sorted = values.stream().mapToDouble(Number::doubleValue).sorted().toArray();
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted.length == 0 ? Double.NaN : sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
  }

  /** The exception class and the start of its message, numbers folded: enough to group failures. */
  private static String shortError(String error) {
    String s = error.trim().replaceAll("[0-9]+(\\.[0-9]+)?", "N");
    return s.length() > 90 ? s.substring(0, 87) + "..." : s;
  }

  /**
   * The running instance, ready; {@code baseline}: its counters after the uncounted first call,
   * left out of stats.
   */
  private record Instance(
      ChildJvm child, int threadsStart, long startToReadyMillis, Map<String, Long> baseline)
      implements AutoCloseable {

    static Instance start(
        Settings settings, String variant, Upstream upstream, IdleKillingProxy proxy)
        throws IOException, TimeoutException {
      long spawn = System.nanoTime();
      ChildJvm.Builder builder =
          ChildJvm.builder(IdleGapInstance.class)
              .jvmArgs("-Xmx256m")
              .args(
                  upstream.protocol(),
                  variant,
                  upstream.target(upstream.address().getPort()),
                  upstream.target(proxy.port()),
                  Long.toString(settings.timeout().toMillis()));
      settings.env().forEach(builder::env);
      ChildJvm child =
          (settings.classpath() == null ? builder : builder.classpath(settings.classpath()))
              .start();
      try {
        String ready = child.expectLine("READY", Duration.ofSeconds(90));
        long millis = (System.nanoTime() - spawn) / 1_000_000;
        return new Instance(
            child, Integer.parseInt(ready.substring(6)), millis, stats(child, Map.of()));
      } catch (IOException | TimeoutException | RuntimeException e) {
        child.close();
        throw e;
      }
    }

    /** Keeps the instance frozen for {@code gap}; returns the connections open at its end. */
    int frozen(Duration gap, IdleKillingProxy proxy) throws InterruptedException {
      child.freeze();
      try {
        Thread.sleep(gap.toMillis()); // the injected fault: the platform freezes the idle instance
        return proxy.openConnections();
      } finally {
        child.thaw();
      }
    }

    private static Map<String, Long> stats(ChildJvm child, Map<String, Long> baseline)
        throws IOException, TimeoutException {
      child.send("STATS");
      Map<String, Long> stats = new TreeMap<>();
      for (String pair : child.expectLine("STATS", ANSWER).substring(6).split(" ")) {
        String[] nameAndCount = pair.split("=");
        long n = Long.parseLong(nameAndCount[1]);
        stats.put(nameAndCount[0], n < 0 ? n : n - baseline.getOrDefault(nameAndCount[0], 0L));
      }
      return stats;
    }

    /** Asks the instance to exit (its shutdown hooks run), then makes sure it is gone. */
    @Override
    public void close() {
      try {
        child.send("QUIT");
        child.waitFor(Duration.ofSeconds(15));
      } catch (Exception e) {
        // close() below kills it.
      }
      child.close();
    }
  }
}
