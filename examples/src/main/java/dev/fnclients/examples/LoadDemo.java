package dev.fnclients.examples;

import static dev.fnclients.examples.Console.OUT;
import static dev.fnclients.examples.FunctionLoad.EARLY_SECONDS;

import dev.fnclients.examples.FunctionLoad.Kind;
import dev.fnclients.examples.FunctionLoad.Outcome;
import dev.fnclients.examples.FunctionLoad.Request;
import dev.fnclients.testkit.Svg;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/** The load demo: {@code -Ddemo.rate} (30/s), {@code -Ddemo.seconds} (20); examples/README.md. */
public final class LoadDemo {
  /** Held (JUL keeps loggers weakly): gRPC's Netty logs an INFO line at start that says nothing. */
  private static final Logger NETTY_METRICS =
      Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.TcpMetrics");

  /** A count, then a bar of up to 40 characters (plain ASCII, the same under any locale). */
  private static final String BAR = "%5s %-40s";

  private static final String[] COLORS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd"};

  /** Wide to narrow, so that lines on top of one another (equal counts) all stay visible. */
  private static final double[] WIDTHS = {7, 5, 3, 1.5};

  private LoadDemo() {}

  public static void main(String[] args) throws Exception {
    NETTY_METRICS.setLevel(Level.WARNING);
    double rate = Double.parseDouble(System.getProperty("demo.rate", "30"));
    int seconds = Integer.parseInt(System.getProperty("demo.seconds", "20"));
    if (!(rate > 0) || seconds < 1) {
      throw new IllegalArgumentException(
          "-Ddemo.rate must be positive (requests/s) and -Ddemo.seconds at least 1");
    }
    Path outputDir = Paths.get(System.getProperty("fnexample.outputDir", "target"));
    FunctionLoad.Settings settings = new FunctionLoad.Settings(rate, seconds);
    OUT.printf(
        "Load demo: PooledFunction, then NaiveFunction, on the invoker against loopback upstreams"
            + " behind connection-counting proxies: the first request, then %s requests/s for %d s%n",
        Svg.number(rate), seconds);
    List<Outcome> outcomes = new ArrayList<>();
    // By name, as the invoker's --target: this JVM has no Functions Framework API to load them.
    for (String function :
        List.of("dev.fnclients.example.PooledFunction", "dev.fnclients.example.NaiveFunction")) {
      OUT.printf("  running %s ...%n", FunctionInvoker.simpleName(function));
      outcomes.add(
          FunctionLoad.run(
              function, settings, FunctionInvoker.Setup.fromSystemProperties(), outputDir));
    }
    Map<String, Function<Outcome, String>> metrics = new LinkedHashMap<>();
    metrics.put("requests (first + steady)", o -> "1 + " + o.load().size());
    metrics.put("errors", o -> "" + o.failures().size());
    for (Kind k : Kind.values()) {
      metrics.put(k.label() + " connections", o -> "" + o.accepted(k));
    }
    metrics.put(
        "  of all four after " + EARLY_SECONDS + " s",
        o -> "" + Stream.of(Kind.values()).mapToInt(o::acceptedLate).sum());
    metrics.put(
        "max open at once, per upstream",
        o -> IntStream.of(o.maxOpen()).mapToObj(n -> "" + n).collect(Collectors.joining("/")));
    metrics.put("max requests in flight at once", o -> "" + o.maxInFlight(0));
    metrics.put("first request ms (cold start)", o -> millis(o.first().latencyMillis()));
    metrics.put("p50 ms (steady load)", o -> millis(o.percentileMillis(50)));
    metrics.put("p99 ms (steady load)", o -> millis(o.percentileMillis(99)));
    metrics.put(
        "most late a request was sent, ms",
        o -> millis(o.load().stream().mapToDouble(Request::lagMillis).max().orElse(0)));
    List<String[]> rows = new ArrayList<>();
    rows.add(row("", outcomes.stream().map(Outcome::name)));
    metrics.forEach((label, metric) -> rows.add(row(label, outcomes.stream().map(metric))));
    OUT.println();
    Console.table(rows, false);
    for (Outcome o : outcomes) {
      o.failures().stream().limit(3).forEach(r -> OUT.println("   " + o.name() + ": " + r));
    }
    OUT.printf("%n  Connections accepted by the four upstreams together, over time:%n%n");
    Console.table(bars(outcomes), false);
    Path svg = outputDir.resolve("load-demo-connections.svg");
    writeSvg(outcomes, svg);
    OUT.println("\n  Per upstream, as an SVG chart: " + svg.toAbsolutePath().normalize());
    OUT.println("  Function logs: " + outputDir.toAbsolutePath().normalize() + "/*-invoker.log");
    Console.exitIfThreadsLinger();
  }

  private static String millis(double millis) {
    return String.format(Locale.ROOT, millis >= 100 ? "%.0f" : "%.1f", millis);
  }

  /** Rows for {@link Console#table}: per function, its four upstreams' connections over time. */
  static List<String[]> bars(List<Outcome> outcomes) {
    int top = Math.max(1, max(outcomes, o -> o.last().total()));
    int samples = max(outcomes, o -> o.samples().size());
    List<String[]> rows = new ArrayList<>();
    rows.add(row("s", outcomes.stream().map(o -> String.format(BAR, "", o.name()))));
    IntStream.iterate(0, i -> i < samples - 1, i -> i + (int) Math.ceil((samples - 1) / 20.0))
        .forEach(i -> rows.add(bar(outcomes, "" + i, i, top)));
    rows.add(bar(outcomes, "end", samples - 1, top));
    return rows;
  }

  private static String[] bar(List<Outcome> outcomes, String label, int sample, int top) {
    return row(
        label,
        outcomes.stream()
            .map(o -> o.samples().get(Math.min(sample, o.samples().size() - 1)).total())
            .map(n -> String.format(BAR, n, "#".repeat(n * 40 / top))));
  }

  private static String[] row(String label, Stream<String> cells) {
    return Stream.concat(Stream.of(label), cells).toArray(String[]::new);
  }

  /** An SVG line chart: connections accepted over time, a line per function and upstream. */
  static void writeSvg(List<Outcome> outcomes, Path file) throws IOException {
    int left = 60;
    int right = 610;
    int top = 56;
    int bottom = 370;
    double duration = Math.max(1, max(outcomes, o -> (int) Math.round(o.last().seconds())));
    int most = max(outcomes, o -> IntStream.of(o.last().accepted()).max().orElse(0));
    Svg.Scale x = Svg.Scale.linear(duration, 4, left, right);
    // Logarithmic: a pooled function's few connections and a naive one's hundreds both show.
    Svg.Scale y = Svg.Scale.log(1, Math.max(10, most), bottom, top);
    String title = "Connections accepted by each upstream (solid: " + outcomes.get(0).name() + ")";
    Svg svg =
        new Svg(900, 420, 12)
            .text(left, 24, title, "font-size=15")
            .yGrid(y, left, right, Svg::number)
            .xGrid(x, top, bottom, seconds -> Svg.number(seconds) + " s")
            .text(left, 410, "seconds since the steady load began (the first request counted)");
    int legendY = top;
    for (Outcome o : outcomes) {
      for (Kind kind : Kind.values()) {
        int k = kind.ordinal();
        String dashed = o == outcomes.get(0) ? null : "stroke-dasharray=6 4";
        String[] style = {"stroke=" + COLORS[k], "stroke-width=" + WIDTHS[k], dashed};
        List<double[]> points = new ArrayList<>();
        for (FunctionLoad.Sample p : o.samples()) {
          points.add(
              new double[] {
                x.at(Math.min(duration, p.seconds())), y.at(Math.max(1, p.accepted()[k]))
              });
        }
        svg.polyline(points, style)
            .line(right + 12, legendY, right + 36, legendY, style)
            .text(right + 42, legendY + 4, o.name() + " " + kind.label() + ": " + o.accepted(kind));
        legendY += 20;
      }
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, svg.toString());
  }

  private static int max(List<Outcome> outcomes, ToIntFunction<Outcome> value) {
    return outcomes.stream().mapToInt(value).max().orElse(0);
  }
}
