package dev.fnclients.examples;

import static dev.fnclients.examples.Console.OUT;
import static dev.fnclients.examples.FunctionLoad.EARLY_SECONDS;

import dev.fnclients.examples.FunctionLoad.Kind;
import dev.fnclients.examples.FunctionLoad.Outcome;
import dev.fnclients.testkit.Svg;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * The platform's advice ("drive the function at a steady rate and watch connections"), run locally:
 * {@link PooledFunction}, then {@link NaiveFunction}, each in its own instance on the real
 * Functions Framework invoker against its own loopback upstreams behind connection-counting
 * proxies, at 30 requests/s for 20 s ({@code -Ddemo.rate}, {@code -Ddemo.seconds}). Run it with
 * {@code ./mvnw -q -pl examples -am -DskipTests -Pdemo verify}.
 */
public final class LoadDemo {
  /**
   * Held, because JUL keeps loggers weakly: gRPC's Netty logs an INFO line at start that says
   * nothing here.
   */
  private static final Logger NETTY_METRICS =
      Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.TcpMetrics");

  private LoadDemo() {}

  public static void main(String[] args) throws Exception {
    NETTY_METRICS.setLevel(Level.WARNING);
    double rate = Double.parseDouble(System.getProperty("demo.rate", "30"));
    int seconds = Integer.parseInt(System.getProperty("demo.seconds", "20"));
    if (rate <= 0 || seconds < 1) {
      throw new IllegalArgumentException(
          "-Ddemo.rate must be positive and -Ddemo.seconds at least 1");
    }
    Path outputDir = Paths.get(System.getProperty("fnexample.outputDir", "target"));
    FunctionLoad.Settings settings = FunctionLoad.Settings.of(rate, seconds);
    Console.wrapped(
        "",
        String.format(
            Locale.ROOT,
            "Load demo: each function runs in its own instance (a child JVM on the Functions Framework invoker, "
                + "java -jar java-function-invoker.jar --target ...), calling its own loopback HTTP, gRPC, Pub/Sub and "
                + "Secret Manager servers through connection-counting proxies; every invocation makes one HTTP GET, one "
                + "gRPC call, one Pub/Sub publish and one Secret Manager read (FnClients.google). Each function is driven "
                + "at %s requests/s for %d s (%d requests), one after the other.",
            Svg.number(rate),
            seconds,
            settings.requests()));
    List<Outcome> outcomes = new ArrayList<>();
    // By name, as the invoker's --target: this JVM has no Functions Framework API to load them.
    for (String function :
        List.of("dev.fnclients.example.PooledFunction", "dev.fnclients.example.NaiveFunction")) {
      OUT.printf(Locale.ROOT, "  running %s ...%n", FunctionInvoker.simpleName(function));
      outcomes.add(
          FunctionLoad.run(
              function, settings, FunctionInvoker.Setup.fromSystemProperties(), outputDir));
    }
    OUT.println();
    List<String[]> rows = new ArrayList<>();
    rows.add(
        concat(
            new String[] {"function", "requests", "errors"},
            Stream.of(Kind.values()).map(k -> k.label + " conns").toArray(String[]::new),
            new String[] {
              "conns after " + EARLY_SECONDS + " s",
              "max open",
              "max in flight",
              "1st request ms",
              "p50 ms",
              "p99 ms"
            }));
    for (Outcome o : outcomes) {
      rows.add(
          concat(
              new String[] {o.name(), "1 + " + o.load().requests(), "" + o.failed()},
              Stream.of(Kind.values()).map(k -> "" + o.accepted(k)).toArray(String[]::new),
              new String[] {
                o.acceptedEarly() == null ? "-" : "" + late(o),
                IntStream.of(o.maxOpen()).mapToObj(n -> "" + n).collect(Collectors.joining("/")),
                "" + o.load().maxInFlight(0),
                String.format(Locale.ROOT, "%.0f", o.coldStart().percentileMillis(100)),
                String.format(Locale.ROOT, "%.1f", o.load().percentileMillis(50)),
                String.format(Locale.ROOT, "%.1f", o.load().percentileMillis(99))
              }));
    }
    Console.table(rows, false);
    printNotes(outcomes);
    List<FunctionLoad.Sample> samples = outcomes.get(0).samples();
    if (samples.get(samples.size() - 1).seconds() >= EARLY_SECONDS) {
      OUT.printf(
          Locale.ROOT,
          "%n  Connections accepted by the four upstreams together, over time (%s):%n%n",
          outcomes.stream()
              .map(o -> o.name().charAt(0) + " = " + o.name())
              .collect(Collectors.joining(", ")));
      ConnectionChart.ascii(outcomes).forEach(line -> OUT.println("   " + line));
      Path svg = outputDir.resolve("load-demo-connections.svg");
      ConnectionChart.writeSvg(outcomes, svg);
      OUT.println("\n  Per upstream, as an SVG chart: " + svg.toAbsolutePath().normalize());
    }
    OUT.println(
        "  Function logs: "
            + outcomes.stream()
                .map(o -> o.log().toAbsolutePath().normalize().toString())
                .collect(Collectors.joining(", ")));
    Console.exitIfThreadsLinger();
  }

  /** What the table's columns mean, then per function what its numbers say and anything unusual. */
  private static void printNotes(List<Outcome> outcomes) {
    Console.wrapped(
        "   ",
        "(requests: the instance's first request, sent alone (its cold start: class loading, "
            + "building clients), then the steady load. conns: connections each upstream accepted during the run. conns after "
            + EARLY_SECONDS
            + " s: of those, all four upstreams together, accepted after the first "
            + EARLY_SECONDS
            + " s. max open: most connections open at once, HTTP/gRPC/Pub/Sub/Secret Manager. max in flight: most requests the "
            + "function was serving at once (a pooled HTTP client opens as many connections as it has calls at once). "
            + "Latency: per request, as the load generator saw it, through the invoker; p50 and p99 of the steady load.)");
    OUT.println();
    for (Outcome o : outcomes) {
      int total = Stream.of(Kind.values()).mapToInt(o::accepted).sum();
      int requests = o.coldStart().requests() + o.load().requests();
      double perRequest = total / (double) Kind.values().length / requests;
      String timing =
          o.acceptedEarly() == null
              ? ""
              : late(o) == 0
                  ? String.format(
                      Locale.ROOT,
                      ", all of them in the first %d s: none in the %d s after",
                      EARLY_SECONDS,
                      Math.round(o.settings().seconds()) - EARLY_SECONDS)
                  : String.format(
                      Locale.ROOT, ", %d of them after the first %d s", late(o), EARLY_SECONDS);
      Console.wrapped(
          "  ",
          String.format(
              Locale.ROOT,
              "- %s: %d connections for %d requests (%s per request per upstream)%s; %d failed.",
              o.name(),
              total,
              requests,
              String.format(Locale.ROOT, perRequest >= 0.1 ? "%.2f" : "%.4f", perRequest),
              timing,
              o.failed()));
      if (o.coldStart().failed() > 0) {
        OUT.println("   first request failed: " + o.coldStart().failures());
      }
      if (o.load().failed() > 0) {
        OUT.println("   errors: " + o.load().errors() + "; first: " + o.load().failures());
      }
      int[] calls = o.callsReceived();
      int ok = o.coldStart().ok() + o.load().ok();
      if (IntStream.of(calls).anyMatch(n -> n != ok)) {
        OUT.printf(
            Locale.ROOT,
            "   note: the upstreams received %d HTTP requests, %d gRPC calls, %d messages, %d secret reads%n",
            calls[0],
            calls[1],
            calls[2],
            calls[3]);
      }
      if (o.load().sendLagMillis() > 100) {
        OUT.printf(
            Locale.ROOT,
            "   note: the load generator sent a request up to %.0f ms late (a busy machine)%n",
            o.load().sendLagMillis());
      }
    }
  }

  private static String[] concat(String[]... parts) {
    return Stream.of(parts).flatMap(Stream::of).toArray(String[]::new);
  }

  private static int late(Outcome o) {
    return Stream.of(Kind.values()).mapToInt(o::acceptedLate).sum();
  }
}
