package dev.fnclients.benchmarks;

import static dev.fnclients.examples.PlatformSimulation.clientLabel;
import static dev.fnclients.examples.PlatformSimulation.format;
import static dev.fnclients.examples.PlatformSimulation.modeLabel;
import static java.util.stream.Collectors.joining;

import com.google.gson.Gson;
import com.google.gson.reflect.TypeToken;
import dev.fnclients.examples.IdleGap.Burst;
import dev.fnclients.examples.IdleGap.Run;
import dev.fnclients.examples.PlatformSimulation;
import dev.fnclients.examples.PlatformSimulation.Summary;
import dev.fnclients.testkit.Svg;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.DoubleSummaryStatistics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.DoubleFunction;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import java.util.stream.DoubleStream;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.commons.math3.distribution.TDistribution;

/**
 * Turns JMH JSON result files, with {@code simulation.json} and {@code run-info.txt} where they
 * are, into {@code summary.md} and {@code per-invocation.svg} (benchmarks/README.md: what they hold
 * and how to run it). Arguments ending in {@code .json} are JMH result files; another is the output
 * directory (default: the first JSON file's). Figures missing from the files show as "not measured"
 * or -.
 */
public final class Report {
  // The benchmarks looked up, by simple class name (here and in GROUPS) and variant.
  private static final String PER_INVOCATION = "PerInvocationBenchmark";
  private static final String NEW_CONNECTION = "NewConnectionBenchmark";
  private static final String WARM = "WarmCostBenchmark";
  private static final String GRPC = "GrpcPerInvocationBenchmark";
  private static final String PUBSUB = "PubsubPerInvocationBenchmark";
  private static final String COLD = "ColdStartBenchmark";
  private static final String FN = "fnclients";
  private static final String SHARED = "defaultShared";

  /** The targets on ratios: the start of the ratio's label, and the goal. */
  private static final List<Map.Entry<String, String>> GOALS =
      List.of(
          Map.entry("HTTP per invocation: client", ">= 3"),
          Map.entry("HTTPS per invocation: client", ">= 100"),
          Map.entry("gRPC unary, plaintext per invocation: channel", ">= 10"),
          Map.entry("gRPC unary, TLS per invocation: channel", ">= 10"),
          Map.entry("Pub/Sub publish and wait per invocation: publisher", ">= 10"),
          Map.entry("New connection, https", ">= 10"),
          Map.entry("Warm http, time", "<= 1.03"),
          Map.entry("Warm https, time", "<= 1.03"),
          Map.entry("Warm grpc-plaintext, time", "<= 1.03"),
          Map.entry("Warm grpc-tls, time", "<= 1.03"),
          Map.entry("Warm http-same-settings, time", "<= 1.05"),
          Map.entry("Cold start, first GET, mean", "<= 1.05"));

  private static final double NAN = Double.NaN;
  private static final Gson GSON = new Gson(); // lenient: JMH's "NaN" scores read as NaN
  private static final Map<String, Double> MICROS =
      Map.of("ns/op", 1e-3, "us/op", 1.0, "ms/op", 1e3, "s/op", 1e6);
  private static final DoubleFunction<String> NANOS = ns -> fmtTime(ns / 1000);

  /** One benchmark of a JMH JSON result file, as Gson binds it. */
  record Result(
      String benchmark,
      String jmhVersion,
      String jdkVersion,
      String vmName,
      int warmupIterations,
      String warmupTime,
      int measurementIterations,
      String measurementTime,
      int forks,
      Map<String, String> params,
      Metric primaryMetric,
      Map<String, Metric> secondaryMetrics) {

    /** The class's simple name. */
    String name() {
      String[] names = benchmark.split("\\.");
      return names[names.length - 2];
    }

    /** The {@code variant} or {@code comparison} parameter, else the method (cold start). */
    String variant() {
      Map<String, String> p = params == null ? Map.of() : params;
      String method = benchmark.substring(benchmark.lastIndexOf('.') + 1);
      return p.getOrDefault("variant", p.getOrDefault("comparison", method));
    }

    String scheme() {
      return params == null ? null : params.get("scheme");
    }

    String settings() {
      String s = "%d × %s warmup, %d × %s, %d fork(s)";
      return format(s, warmupIterations, warmupTime, measurementIterations, measurementTime, forks);
    }

    double us() {
      return primaryMetric.score() * micros();
    }

    double errorUs() {
      return primaryMetric.scoreError() * micros();
    }

    /** The per-iteration (per-fork, for single-shot) times. */
    DoubleStream rawUs() {
      return primaryMetric.raw().map(v -> v * micros());
    }

    double medianUs() {
      double[] s = rawUs().sorted().toArray();
      return s.length == 0 ? NAN : (s[(s.length - 1) / 2] + s[s.length / 2]) / 2;
    }

    /** Microseconds in one unit of the primary metric, such as {@code ms/op}. */
    private double micros() {
      String unit = primaryMetric.scoreUnit();
      return Objects.requireNonNull(MICROS.get(unit), () -> "unsupported unit " + unit);
    }

    Metric metric(String name) {
      return secondaryMetrics == null ? null : secondaryMetrics.get(name);
    }

    double aux(String name) {
      return metric(name) == null ? NAN : metric(name).score();
    }

    /** A count per operation ({@code Counters} records raw counts and {@code ops}). */
    double perOp(String name) {
      double ops = aux("ops");
      return ops > 0 && aux(name) >= 0 ? aux(name) / ops : NAN;
    }

    /** The most live threads after an operation, over the iterations. */
    double liveThreadsPeak() {
      return aux("liveThreadsPeak") >= 0 ? metric("liveThreadsPeak").raw().max().orElse(NAN) : NAN;
    }
  }

  /** A JMH score; {@code rawData} holds the per-iteration values of each fork. */
  record Metric(double score, double scoreError, String scoreUnit, List<List<Double>> rawData) {
    DoubleStream raw() {
      return rawData.stream().flatMap(List::stream).mapToDouble(Double::doubleValue);
    }
  }

  /** A ratio, its error and range (NaN where there are none), and the two figures it divides. */
  record Ratio(String label, double value, double error, double lo, double hi, String figures) {
    boolean measured() {
      return !Double.isNaN(value);
    }

    /** The ratio, JMH's 99.9% error propagated to it, and its range over iterations (forks). */
    String formatted() {
      return !measured()
          ? "not measured"
          : number(value)
              + "x"
              + (Double.isFinite(error) ? " ± " + number(error) : "")
              + (Double.isNaN(lo) ? "" : " (range " + number(lo) + "–" + number(hi) + ")");
    }

    Ratio with(double error, double lo, double hi) {
      return new Ratio(label, value, error, lo, hi, figures);
    }

    private static String number(double v) {
      return format(v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : v >= 2 ? "%.2f" : "%.3f", v);
    }
  }

  /** A target, what was measured for it, and whether it is met (null: not checked). */
  record Target(String name, String goal, String measured, Boolean met) {}

  /** A pair of {@code ColdStartBenchmark} variants: the plain client's and FnClients'. */
  private record Cold(String raw, String fn, String what) {}

  private static final List<Cold> COLDS =
      List.of(
          new Cold("rawOkHttp", FN, "first GET"),
          new Cold("rawGrpc", "fnclientsGrpc", "first gRPC unary call"),
          new Cold("rawPublisher", "fnclientsPublisher", "first Pub/Sub publish"));

  /** A protocol: a benchmark, its scheme, and its per-invocation variant (the anti-pattern). */
  private record Group(String title, String benchmark, String scheme, String perInvocation) {}

  private static final List<Group> GROUPS =
      List.of(
          new Group("HTTP", PER_INVOCATION, "http", "clientPerInvocation"),
          new Group("HTTPS", PER_INVOCATION, "https", "clientPerInvocation"),
          new Group("gRPC unary, plaintext", GRPC, "plaintext", "channelPerInvocation"),
          new Group("gRPC unary, TLS", GRPC, "tls", "channelPerInvocation"),
          new Group("Pub/Sub publish and wait", PUBSUB, null, "publisherPerInvocation"));

  private Report() {}

  public static void main(String[] args) throws IOException {
    List<Path> jsons = Stream.of(args).filter(a -> a.endsWith(".json")).map(Path::of).toList();
    if (jsons.isEmpty()) {
      System.err.println("usage: Report JMH_JSON... [OUTPUT_DIRECTORY]");
      System.exit(2);
    }
    Path outDir =
        Stream.of(args)
            .filter(a -> !a.endsWith(".json"))
            .map(Path::of)
            .reduce((x, y) -> y)
            .orElse(jsons.get(0).toAbsolutePath().getParent());
    List<Result> rows = new ArrayList<>();
    for (Path json : jsons) {
      rows.addAll(
          GSON.fromJson(Files.readString(json), new TypeToken<List<Result>>() {}.getType()));
    }
    Path simulationJson = outDir.resolve("simulation.json");
    Summary simulation =
        Files.exists(simulationJson)
            ? GSON.fromJson(Files.readString(simulationJson), Summary.class)
            : null;
    List<Ratio> ratios = ratios(rows);
    List<Target> targets = targets(rows, ratios, simulation);
    StringBuilder md =
        new StringBuilder("# FnClients benchmarks: summary\n\nGenerated by `Report` from ");
    md.append(jsons.stream().map(j -> "`" + j.getFileName() + "`").collect(joining(", ")));
    md.append(simulation == null ? "" : " and `simulation.json`");
    if (!rows.isEmpty()) {
      Result r = rows.get(0);
      md.append(format(" (JMH %s, JDK %s, %s)", r.jmhVersion(), r.jdkVersion(), r.vmName()));
    }
    md.append(". How to read it: benchmarks/README.md.\n\n## Targets\n\n");
    table(
        md,
        targets,
        List.of(
            text("Target", Target::name),
            text("Goal", Target::goal),
            text("Measured in this run", Target::measured),
            text("Met", t -> t.met() == null ? "" : t.met() ? "yes" : "**no**")));
    md.append("\n## Ratios\n\n");
    table(
        md,
        ratios,
        List.of(
            text("Comparison", Ratio::label),
            figure("Ratio ± JMH 99.9% (range over iterations)", Ratio::formatted),
            text("Figures", Ratio::figures)));
    scoresTable(md, rows);
    if (simulation != null) {
      simulationSection(md, simulation);
    }
    Path runInfo = outDir.resolve("run-info.txt");
    if (Files.exists(runInfo)) {
      md.append("\n## Machine and run\n\n```\n" + Files.readString(runInfo).strip() + "\n```\n");
    }
    Files.createDirectories(outDir);
    Files.writeString(outDir.resolve("summary.md"), md);
    Files.writeString(outDir.resolve("per-invocation.svg"), svg(rows));
    System.out.println("Wrote summary.md and per-invocation.svg in " + outDir);
    for (Target t : targets) {
      String met = t.met() == null ? "n/a" : t.met() ? "MET" : "MISS";
      System.out.printf("  %-4s %s: %s%n", met, t.name().replace("**", ""), t.measured());
    }
  }

  /** The first result of a benchmark with this variant (and scheme, unless null); or null. */
  private static Result find(List<Result> rows, String benchmark, String variant, String scheme) {
    return rows.stream()
        .filter(r -> r.name().equals(benchmark) && r.variant().equals(variant))
        .filter(r -> scheme == null || scheme.equals(r.scheme()))
        .findFirst()
        .orElse(null);
  }

  // ---- ratios ----

  private static List<Ratio> ratios(List<Result> rows) {
    List<Ratio> ratios = new ArrayList<>();
    for (Group g : GROUPS) {
      Result fn = find(rows, g.benchmark(), FN, g.scheme());
      for (String variant : List.of(g.perInvocation(), SHARED)) {
        String label = g.title() + " per invocation: " + variant + " / " + FN;
        ratios.add(time(label, find(rows, g.benchmark(), variant, g.scheme()), fn));
      }
    }
    for (String scheme : List.of("https", "http")) {
      String label = "New connection, " + scheme + ": " + SHARED + " / " + FN;
      Result fn = find(rows, NEW_CONNECTION, FN, scheme);
      ratios.add(time(label, find(rows, NEW_CONNECTION, SHARED, scheme), fn));
    }
    for (Result row : rows.stream().filter(r -> r.name().equals(WARM)).toList()) {
      String comparison = row.variant();
      String pair = ": fnclients / " + (comparison.contains("same") ? "raw" : SHARED);
      String label = "Warm " + comparison + ", ";
      ratios.add(paired(label + "time" + pair, row, "Nanos", NANOS));
      ratios.add(paired(label + "caller CPU" + pair, row, "CpuNanos", NANOS));
      ratios.add(paired(label + "bytes allocated" + pair, row, "Bytes", b -> format("%.0f B", b)));
    }
    for (Cold c : COLDS) {
      Result fn = find(rows, COLD, c.fn(), null);
      Result raw = find(rows, COLD, c.raw(), null);
      String pair = ": " + c.fn() + " / " + c.raw();
      String label = "Cold start, " + c.what() + ", ";
      ratios.add(time(label + "mean of forks" + pair, fn, raw));
      ratios.add(of(label + "median of forks" + pair, fn, raw, Result::medianUs, Report::fmtTime));
      ratios.add(of(label + "caller CPU" + pair, fn, raw, r -> r.perOp("callerCpuNanos"), NANOS));
      ToDoubleFunction<Result> classes = r -> r.perOp("classesLoaded");
      ratios.add(of(label + "classes loaded" + pair, fn, raw, classes, v -> format("%.0f", v)));
    }
    return ratios;
  }

  /** {@code a / b}, both shown in {@code unit}, with no error or range. */
  private static Ratio ratio(String label, double a, double b, DoubleFunction<String> unit) {
    String figures = Double.isNaN(a / b) ? "" : unit.apply(a) + " vs " + unit.apply(b);
    return new Ratio(label, a / b, NAN, NAN, NAN, figures);
  }

  /** Two times, JMH's errors propagated (approximately), range: extreme iterations paired. */
  private static Ratio time(String label, Result n, Result d) {
    if (n == null || d == null) {
      return of(label, n, d, Result::us, Report::fmtTime);
    }
    boolean ranged = n.rawUs().count() > 1 && d.rawUs().count() > 1;
    return ratio(label, n.us(), d.us(), Report::fmtTime)
        .with(
            n.us() / d.us() * Math.hypot(n.errorUs() / n.us(), d.errorUs() / d.us()),
            ranged ? n.rawUs().min().orElse(NAN) / d.rawUs().max().orElse(NAN) : NAN,
            ranged ? n.rawUs().max().orElse(NAN) / d.rawUs().min().orElse(NAN) : NAN);
  }

  /** Another figure than time, with no error or range. */
  private static Ratio of(
      String label, Result n, Result d, ToDoubleFunction<Result> f, DoubleFunction<String> unit) {
    double a = n == null ? NAN : f.applyAsDouble(n);
    return ratio(label, a, d == null ? NAN : f.applyAsDouble(d), unit);
  }

  /**
   * One figure of a {@code WarmCostBenchmark} comparison, FnClients' side over the baseline's, per
   * call; range over the per-iteration ratios and, for time, their 99.9% confidence half-width
   * (Student's t, as JMH's errors).
   */
  private static Ratio paired(String label, Result row, String figure, DoubleFunction<String> u) {
    double[] fn = row.metric("fnclients" + figure).raw().toArray();
    double[] base = row.metric("baseline" + figure).raw().toArray();
    double[] each = IntStream.range(0, fn.length).mapToDouble(i -> fn[i] / base[i]).toArray();
    DoubleSummaryStatistics stats = DoubleStream.of(each).summaryStatistics();
    double error = NAN;
    if (figure.equals("Nanos") && each.length > 1) {
      double mean = stats.getAverage();
      double variance =
          DoubleStream.of(each).map(v -> (v - mean) * (v - mean)).sum() / (each.length - 1);
      error =
          new TDistribution(each.length - 1).inverseCumulativeProbability(0.9995)
              * Math.sqrt(variance / each.length);
    }
    double pairs = row.aux("pairs");
    double a = row.aux("fnclients" + figure) / pairs;
    double b = row.aux("baseline" + figure) / pairs;
    return ratio(label, a, b, u).with(error, stats.getMin(), stats.getMax());
  }

  // ---- targets ----

  private static List<Target> targets(List<Result> rows, List<Ratio> ratios, Summary simulation) {
    List<Target> targets = new ArrayList<>();
    for (Map.Entry<String, String> goal : GOALS) {
      Ratio r =
          ratios.stream()
              .filter(ratio -> ratio.label().startsWith(goal.getKey()))
              .findFirst()
              .orElse(ratio(goal.getKey(), NAN, NAN, null));
      targets.add(ratioTarget(r, goal.getValue()));
    }
    for (Group g : GROUPS.subList(1, GROUPS.size())) { // live threads over a JMH trial
      Result fn = find(rows, g.benchmark(), FN, g.scheme());
      double mean = fn == null ? NAN : fn.perOp("liveThreadSamples");
      if (!Double.isNaN(mean)) {
        String measured = format("%.1f mean, %.0f peak", mean, fn.liveThreadsPeak());
        boolean met = fn.liveThreadsPeak() <= Math.ceil(mean) + 1;
        String name = "Live threads, " + g.title() + ": FnClients";
        targets.add(new Target(name, "peak <= mean + 1", measured, met));
      }
    }
    List<Burst> bursts = simulation == null ? List.of() : simulation.bursts();
    for (Burst b : bursts.stream().filter(b -> b.variant().equals(FN)).toList()) {
      String name = format("Simulation %s, %,d invocations", b.protocol(), b.invocations());
      String others =
          bursts.stream()
              .filter(o -> o.protocol().equals(b.protocol()) && o != b)
              .map(o -> o.connections() + " " + clientLabel(o.variant()))
              .collect(joining(", "));
      targets.add(
          new Target(
              name + ", " + b.gaps() + " frozen gaps: FnClients' connections",
              "<= 1 + gaps",
              b.connections() + " (others: " + others + ")",
              b.connections() <= 1 + b.gaps()));
      String threads = b.threadsStart() + " after the 1st, " + b.threadsEnd() + " after the last";
      boolean met = b.threadsEnd() <= b.threadsStart() + 1;
      targets.add(new Target(name + ": FnClients' live threads", "flat", threads, met));
    }
    for (Run r : simulation == null ? List.<Run>of() : simulation.runs()) {
      if (r.variant().equals(FN)) {
        String name = "Simulation " + r.protocol() + ", " + modeLabel(r.mode()) + ": FnClients";
        String measured = r.ok() + "/" + r.invocations() + ", max " + fmtTime(r.maxMillis() * 1000);
        boolean met = r.ok() == r.invocations() && r.maxMillis() < 1000;
        targets.add(new Target(name, "100% success, max < 1 s", measured, met));
      }
    }
    return targets;
  }

  /** A ratio within {@code goal}: {@code <= limit} or {@code >= limit}. */
  private static Target ratioTarget(Ratio r, String goal) {
    double limit = Double.parseDouble(goal.substring(3));
    boolean ok = goal.startsWith("<") ? r.value() <= limit : r.value() >= limit;
    return new Target(r.label(), goal + "x", r.formatted(), r.measured() ? ok : null);
  }

  // ---- markdown ----

  /** A table column: its header, whether it is right-aligned (figures), and its cells. */
  private record Column<T>(String header, boolean right, Function<T, Object> cell) {}

  private static <T> Column<T> text(String header, Function<T, Object> cell) {
    return new Column<>(header, false, cell);
  }

  private static <T> Column<T> figure(String header, Function<T, Object> cell) {
    return new Column<>(header, true, cell);
  }

  private static <T> void table(StringBuilder md, List<T> rows, List<Column<T>> columns) {
    PlatformSimulation.table(
        md,
        columns.stream().map(Column::header).collect(joining(" | ")),
        columns.stream().map(c -> c.right() ? "---:" : "---").collect(joining("|")),
        rows.stream().map(r -> columns.stream().map(c -> c.cell().apply(r)).toArray()));
  }

  /** Every result: time, secondary figures, and for single-shot runs each fork's time. */
  private static void scoresTable(StringBuilder md, List<Result> rows) {
    md.append("\n## Scores\n\n");
    table(
        md,
        rows,
        List.of(
            text("Benchmark", Result::name),
            text("variant", Result::variant),
            text("scheme", r -> Objects.requireNonNullElse(r.scheme(), "-")),
            figure("time / op", r -> fmtTime(r.us())),
            figure("±", r -> fmtTime(r.errorUs())),
            figure("median", r -> fmtTime(r.medianUs())),
            figure("connections / op", r -> orDash(r.perOp("connectionsOpened"), "%.3f")),
            figure("live threads (mean / peak)", Report::liveThreads),
            figure("threads started / op", r -> orDash(r.perOp("threadsStarted"), "%.3f")),
            figure("caller CPU / op", r -> NANOS.apply(r.perOp("callerCpuNanos"))),
            figure("bytes allocated / op", r -> orDash(r.aux("gc.alloc.rate.norm"), "%.0f")),
            figure("JVM CPU / op", r -> fmtTime(r.perOp("processCpuMicros"))),
            figure("classes loaded", r -> orDash(r.perOp("classesLoaded"), "%.0f")),
            text("JMH iterations", Result::settings),
            text("each fork (single-shot)", Report::forks)));
    md.append("\n![Per-invocation cost](per-invocation.svg)\n");
  }

  private static String liveThreads(Result r) {
    double peak = r.liveThreadsPeak();
    return Double.isNaN(peak) ? "-" : format("%.1f / %.0f", r.perOp("liveThreadSamples"), peak);
  }

  private static String forks(Result r) {
    return r.measurementIterations() != 1
        ? ""
        : r.rawUs().mapToObj(v -> format("%.0f", v / 1000)).collect(joining(", ")) + " ms";
  }

  private static void simulationSection(StringBuilder md, Summary simulation) {
    String settings = simulation.settings() + "`, " + simulation.settings().longGaps();
    md.append("\n## Platform simulation\n\nFull tables: [simulation.md](simulation.md). `");
    md.append(settings + " invocations after a long gap.\n\n");
    table(
        md,
        simulation.runs(),
        List.of(
            text("protocol", Run::protocol),
            text("kill mode", r -> modeLabel(r.mode())),
            text("client", r -> clientLabel(r.variant())),
            figure("succeeded", r -> r.ok() + "/" + r.invocations()),
            figure("p50", r -> fmtTime(r.p50Millis() * 1000)),
            figure("p99", r -> fmtTime(r.p99Millis() * 1000)),
            figure("max", r -> fmtTime(r.maxMillis() * 1000)),
            figure("connections", Run::connections)));
    md.append("\n![Platform simulation](simulation.svg)\n");
  }

  private static String orDash(double value, String pattern) {
    return Double.isNaN(value) ? "-" : format(pattern, value);
  }

  private static String fmtTime(double us) {
    return Double.isNaN(us)
        ? "-"
        : us >= 1_000_000
            ? format("%.2f s", us / 1_000_000)
            : us >= 1000
                ? format("%.2f ms", us / 1000)
                : us >= 1 ? format("%.1f µs", us) : format("%.0f ns", us * 1000);
  }

  // ---- SVG ----

  /** A log-scale bar chart of the per-invocation costs, one group of bars per protocol. */
  private static String svg(List<Result> rows) {
    Map<Result, Group> bars = new LinkedHashMap<>();
    for (Group g : GROUPS) {
      for (String variant : List.of(g.perInvocation(), SHARED, FN)) {
        Result r = find(rows, g.benchmark(), variant, g.scheme());
        if (r != null && r.us() > 0) {
          bars.put(r, g);
        }
      }
    }
    int left = 200;
    int top = 70;
    int height = top + bars.size() * 26 + (int) bars.values().stream().distinct().count() * 26 + 50;
    String title =
        "One function invocation making one call (time per invocation, log scale, lower is better)";
    String legend =
        "loopback; red: client built per invocation, grey: one default client shared, "
            + "blue: FnClients; ×N = times the FnClients figure";
    Svg svg =
        new Svg(860, height, 13)
            .text(12, 24, title, "font-size=16", "font-weight=bold")
            .text(12, 44, legend, "fill=#555555");
    if (bars.isEmpty()) {
      return svg.text(12, 80, "No per-invocation benchmark was in this run.").toString();
    }
    DoubleSummaryStatistics range =
        bars.keySet().stream().mapToDouble(Result::us).summaryStatistics();
    Svg.Scale x = Svg.Scale.log(range.getMin(), range.getMax(), left, 670);
    svg.xGrid(x, top - 10, height - 40, us -> fmtTime(us).replace(".00", "").replace(".0", ""));
    int y = top;
    Group group = null;
    for (Map.Entry<Result, Group> bar : bars.entrySet()) {
      if (bar.getValue() != group) {
        group = bar.getValue();
        svg.text(12, y + 12, group.title(), "font-weight=bold");
        y += 20;
      }
      Result r = bar.getKey();
      Result fn = find(rows, group.benchmark(), FN, group.scheme());
      double times = fn == null || r.variant().equals(FN) ? NAN : r.us() / fn.us();
      String label =
          Double.isNaN(times) ? "" : format(times >= 10 ? "  (×%.0f)" : "  (×%.2f)", times);
      String color = Map.of(FN, "#1f77b4", SHARED, "#8c8c8c").getOrDefault(r.variant(), "#d62728");
      double end = x.at(r.us());
      svg.text(left - 8, y + 15, r.variant(), "text-anchor=end")
          .rect(left, y, Math.max(1, end - left), 20, "fill=" + color)
          .text(end + 6, y + 15, fmtTime(r.us()) + label);
      y += 26;
    }
    return svg.line(left, top - 10, left, height - 40, "stroke=#333333").toString();
  }
}
