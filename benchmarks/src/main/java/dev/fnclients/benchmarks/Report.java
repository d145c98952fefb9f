package dev.fnclients.benchmarks;

import static dev.fnclients.examples.PlatformSimulation.clientLabel;

import com.google.gson.Gson;
import com.google.gson.reflect.TypeToken;
import dev.fnclients.examples.IdleGap;
import dev.fnclients.examples.IdleGap.Burst;
import dev.fnclients.examples.IdleGap.Run;
import dev.fnclients.examples.PlatformSimulation.Summary;
import dev.fnclients.testkit.IdleKillingProxy.Mode;
import dev.fnclients.testkit.Svg;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.DoubleSummaryStatistics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.DoublePredicate;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import java.util.stream.DoubleStream;
import java.util.stream.Stream;
import org.apache.commons.math3.distribution.TDistribution;

/**
 * Turns JMH JSON result files (and the platform simulation's {@code simulation.json}, when it is
 * there) into {@code summary.md} (the targets with their measured figures, the ratios, scores and
 * secondary figures, cold start, the simulation's headline) and {@code per-invocation.svg} (a
 * log-scale bar chart of the per-invocation costs of every client, HTTP, HTTPS, gRPC and Pub/Sub).
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.fnclients.benchmarks.Report \
 *     benchmarks/results/jmh.json [benchmarks/results/jmh-coldstart.json ...] [output directory]
 * </pre>
 *
 * <p>Arguments ending in {@code .json} are JMH result files; another argument is the output
 * directory (default: the first JSON file's), where {@code simulation.json} and {@code
 * run-info.txt} are read too. Figures missing from the files (a benchmark or parameter filtered out
 * of the run) are shown as "not measured" or {@code -}.
 */
public final class Report {
  private static final String PER_INVOCATION = "PerInvocationBenchmark";
  private static final String WARM = "WarmCostBenchmark";
  private static final String GRPC = "GrpcPerInvocationBenchmark";
  private static final String PUBSUB = "PubsubPerInvocationBenchmark";
  private static final String COLD = "ColdStartBenchmark";
  private static final double WARM_TARGET = 1.05;
  private static final double COLD_TARGET = 1.05;
  private static final double WARM_COST_TARGET = 1.03;
  private static final double GRPC_PUBSUB_TARGET = 10;
  private static final double NAN = Double.NaN;
  private static final ToDoubleFunction<Row> BYTES = r -> r.aux("gc.alloc.rate.norm");
  private static final ToDoubleFunction<Row> CLASSES = r -> r.perOp("classesLoaded");

  /** Lenient, so JMH's {@code "NaN"} scores read as NaN. */
  private static final Gson GSON = new Gson();

  /** One benchmark in a JMH JSON result file (the fields read here). */
  record JmhResult(
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
      Map<String, Metric> secondaryMetrics) {}

  /** A JMH score; {@code rawData} holds the per-iteration values of each fork. */
  record Metric(double score, double scoreError, String scoreUnit, List<List<Double>> rawData) {
    DoubleStream raw() {
      return rawData.stream().flatMap(List::stream).mapToDouble(Double::doubleValue);
    }
  }

  /** One benchmark result, times in µs per operation; {@code aux} holds the secondary metrics. */
  record Row(
      String benchmark,
      String method,
      Map<String, String> params,
      double scoreUs,
      double errorUs,
      List<Double> rawUs,
      Map<String, Metric> aux) {

    static Row of(JmhResult result) {
      String[] names = result.benchmark().split("\\.");
      String benchmark = names[names.length - 2];
      String method = names[names.length - 1];
      Map<String, String> params =
          new LinkedHashMap<>(Objects.requireNonNullElse(result.params(), Map.of()));
      if (benchmark.endsWith(COLD)) {
        params.putIfAbsent("variant", method); // one method per variant: a fork measures one
      }
      Metric primary = result.primaryMetric();
      double toUs = microsPer(primary.scoreUnit());
      return new Row(
          benchmark,
          method,
          params,
          primary.score() * toUs,
          primary.scoreError() * toUs,
          primary.raw().map(v -> v * toUs).boxed().toList(),
          Objects.requireNonNullElse(result.secondaryMetrics(), Map.of()));
    }

    String param(String name) {
      return params.get(name);
    }

    double aux(String name) {
      return aux.containsKey(name) ? aux.get(name).score() : NAN;
    }

    /** A count per operation; NaN where the benchmark does not record it. */
    double perOp(String name) {
      double ops = aux("ops");
      return ops > 0 && aux(name) >= 0 ? aux(name) / ops : NAN;
    }

    /** Whether the benchmark recorded its operations one by one (connections, live threads). */
    boolean recorded() {
      return aux("liveThreadSamples") > 0;
    }

    double connectionsPerOp() {
      return recorded() ? perOp("connectionsOpened") : NAN;
    }

    double liveThreads() {
      return recorded() ? perOp("liveThreadSamples") : NAN;
    }

    double liveThreadsPeak() {
      return recorded() ? aux.get("liveThreadsPeak").raw().max().orElse(NAN) : NAN;
    }

    /** CPU time of the benchmark thread (the client side of a call) per operation. */
    double callerCpuUs() {
      return perOp("callerCpuNanos") / 1000;
    }

    /** CPU time of the whole JVM (client, server, GC) per operation. */
    double cpuUs() {
      return perOp("processCpuMicros");
    }

    /** The median of the raw per-iteration (per-fork, for single-shot) scores. */
    double medianUs() {
      double[] sorted = raw().sorted().toArray();
      int n = sorted.length;
      return n == 0 ? NAN : n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    DoubleStream raw() {
      return rawUs.stream().mapToDouble(Double::doubleValue);
    }
  }

  /** Two rows of a benchmark to compare, either null where it was not measured. */
  private record Pair(Row n, Row d) {
    boolean measured() {
      return n != null && d != null;
    }

    /**
     * The ratio of their times, with its propagated (approximate) error and its range over
     * iterations: the smallest numerator iteration over the largest denominator one, and the other
     * way round.
     */
    Ratio time(String label, String meaning) {
      if (!measured()) {
        return of(label, meaning, Row::scoreUs);
      }
      double value = n.scoreUs() / d.scoreUs();
      boolean ranged = n.rawUs().size() > 1 && d.rawUs().size() > 1;
      return new Ratio(
          label,
          meaning,
          value,
          value * Math.hypot(n.errorUs() / n.scoreUs(), d.errorUs() / d.scoreUs()),
          ranged ? n.raw().min().orElse(NAN) / d.raw().max().orElse(NAN) : NAN,
          ranged ? n.raw().max().orElse(NAN) / d.raw().min().orElse(NAN) : NAN);
    }

    /** The ratio of another figure than time, with no error or range. */
    Ratio of(String label, String meaning, ToDoubleFunction<Row> f) {
      double value = measured() ? f.applyAsDouble(n) / f.applyAsDouble(d) : NAN;
      return new Ratio(label, meaning, value, NAN, NAN, NAN);
    }

    /** Both figures in {@code pattern}, or {@code otherwise} where either is missing. */
    String vs(ToDoubleFunction<Row> f, String pattern, String otherwise) {
      double a = n == null ? NAN : f.applyAsDouble(n);
      double b = d == null ? NAN : f.applyAsDouble(d);
      return Double.isNaN(a / b) ? otherwise : format(pattern, a, b);
    }
  }

  record Ratio(String label, String meaning, double value, double error, double lo, double hi) {
    boolean measured() {
      return !Double.isNaN(value);
    }

    /** The ratio, and its range over iterations (or forks) where there is one. */
    String formatted() {
      return !measured()
          ? "not measured"
          : number(value)
              + "x"
              + (Double.isNaN(lo) ? "" : " (range " + number(lo) + "–" + number(hi) + ")");
    }

    Ratio note(String more) {
      return new Ratio(label, meaning + more, value, error, lo, hi);
    }

    String errorCell() {
      return !measured() || Double.isNaN(error) || Double.isInfinite(error)
          ? ""
          : "± " + number(error);
    }

    private static String number(double v) {
      return format(v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v);
    }
  }

  /** One target, what was measured for it, and whether it is met (null: not measured). */
  record Target(String target, String goal, String measured, Boolean met) {}

  /** Rows of one benchmark and scheme (null: none), and how the targets name them. */
  private record Pick(String benchmark, String scheme, String label) {}

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
    List<JmhResult> results = new ArrayList<>();
    for (Path json : jsons) {
      results.addAll(
          GSON.fromJson(Files.readString(json), new TypeToken<List<JmhResult>>() {}.getType()));
    }
    List<Row> rows = results.stream().map(Row::of).toList();
    Summary simulation =
        read(outDir.resolve("simulation.json"), s -> GSON.fromJson(s, Summary.class));
    List<Ratio> ratios = ratios(rows);
    List<Target> targets = targets(rows, ratios, simulation);
    StringBuilder md = new StringBuilder();
    header(md, jsons, results.isEmpty() ? null : results.get(0), rows, simulation != null);
    table(
        md,
        "Target | Goal | Measured in this run | Met",
        "---|---|---|---",
        targets.stream()
            .map(
                t ->
                    new Object[] {
                      t.target(),
                      t.goal(),
                      t.measured(),
                      t.met() == null ? "not measured" : t.met() ? "yes" : "**no**"
                    })
            .toList());
    md.append("\n## Ratios\n\n");
    table(
        md,
        "Comparison | Ratio (range over iterations) | ± (JMH 99.9%) | Meaning",
        "---|---:|---:|---",
        ratios.stream()
            .map(r -> new Object[] {r.label(), r.formatted(), r.errorCell(), r.meaning()})
            .toList());
    scoresTable(md, rows);
    coldStartTable(md, rows);
    if (simulation != null) {
      simulationSection(md, simulation);
    }
    String machine = read(outDir.resolve("run-info.txt"), s -> s);
    if (machine != null) {
      md.append("\n## Machine and run\n\n```\n").append(machine.strip()).append("\n```\n");
    }
    Files.createDirectories(outDir);
    Files.writeString(outDir.resolve("summary.md"), md);
    Files.writeString(outDir.resolve("per-invocation.svg"), svg(rows));
    System.out.println(
        "Wrote " + outDir.resolve("summary.md") + " and " + outDir.resolve("per-invocation.svg"));
    for (Target t : targets) {
      System.out.printf(
          Locale.ROOT,
          "  %-4s %-62s %s%n",
          t.met() == null ? "n/a" : t.met() ? "MET" : "MISS",
          t.target(),
          t.measured().replace("**", ""));
    }
  }

  private static <T> T read(Path file, Function<String, T> parser) throws IOException {
    return Files.exists(file) ? parser.apply(Files.readString(file)) : null;
  }

  /** Microseconds in one unit of a JMH time unit such as {@code ms/op}. */
  private static double microsPer(String unit) {
    Double micros =
        Map.of("ns", 1e-3, "us", 1.0, "ms", 1e3, "s", 1e6)
            .get(unit == null ? "" : unit.split("/")[0]);
    if (micros == null) {
      throw new IllegalArgumentException(
          "unsupported unit "
              + unit
              + "; run the benchmarks in AverageTime or SingleShotTime mode (their defaults)");
    }
    return micros;
  }

  private static Row find(List<Row> rows, String benchmark, String variant, String scheme) {
    return rows.stream()
        .filter(
            r ->
                r.benchmark().equals(benchmark)
                    && Objects.equals(r.param("variant"), variant)
                    && (scheme == null || Objects.equals(r.param("scheme"), scheme)))
        .findFirst()
        .orElse(null);
  }

  private static Pair pair(List<Row> rows, String benchmark, String n, String d, String scheme) {
    return new Pair(find(rows, benchmark, n, scheme), find(rows, benchmark, d, scheme));
  }

  // ---- ratios ----

  private static List<Ratio> ratios(List<Row> rows) {
    List<Ratio> ratios = new ArrayList<>();
    for (String variant : List.of("clientPerInvocation", "defaultShared")) {
      for (String scheme : List.of("http", "https")) {
        ratios.add(
            pair(rows, PER_INVOCATION, variant, "fnclients", scheme)
                .time(
                    "Per invocation, " + scheme + ": " + variant + " / fnclients",
                    variant.equals("defaultShared")
                        ? "a shared default client vs FnClients on a warm connection (about 1 expected)"
                        : "how many times more a client built per invocation costs than the shared FnClients client"));
      }
    }
    for (String scheme : List.of("https", "http")) {
      ratios.add(
          pair(rows, "NewConnectionBenchmark", "defaultShared", "fnclients", scheme)
              .time(
                  "New connection, " + scheme + ": defaultShared / fnclients",
                  scheme.equals("http")
                      ? "new plain TCP connection + first request"
                      : "new TLS connection + first request; the default client leaves Nagle on, FnClients sets TCP_NODELAY"));
    }
    warmRatios(rows, ratios);
    for (String scheme : List.of("plaintext", "tls")) {
      String label = "gRPC per invocation, " + scheme + ": ";
      ratios.add(
          pair(rows, GRPC, "channelPerInvocation", "fnclients", scheme)
              .time(
                  label + "channelPerInvocation / fnclients",
                  "a default channel built and shut down per invocation vs FnClients.grpc (target >= "
                      + (int) GRPC_PUBSUB_TARGET
                      + ")"));
      ratios.add(
          pair(rows, GRPC, "defaultShared", "fnclients", scheme)
              .time(
                  label + "defaultShared / fnclients",
                  "one default channel reused vs FnClients.grpc (below 1: the cost of FnClients' interceptors)"));
    }
    ratios.add(
        pair(rows, PUBSUB, "publisherPerInvocation", "fnclients", null)
            .time(
                "Pub/Sub publish and wait: publisherPerInvocation / fnclients",
                "a Publisher (and channel) built and shut down per invocation vs FnClients' publishAndWait (target >= "
                    + (int) GRPC_PUBSUB_TARGET
                    + ")"));
    ratios.add(
        pair(rows, PUBSUB, "defaultShared", "fnclients", null)
            .time(
                "Pub/Sub publish and wait: defaultShared / fnclients",
                "one Publisher reused, publish(m).get() (waits for the client's 1 ms batch delay) vs publishAndWait"));
    for (Cold c : COLDS) {
      coldRatios(c, pair(rows, c.benchmark(), c.fn(), c.raw(), null), ratios);
    }
    return ratios;
  }

  /**
   * The paired warm comparisons ({@link WarmCostBenchmark}): against default shared clients (the
   * warm-cost target), against a raw OkHttp client with the same settings (the warm-overhead
   * target), and the same with the peer-closed check on every call; each as time, caller CPU and
   * caller allocation.
   */
  private static void warmRatios(List<Row> rows, List<Ratio> ratios) {
    for (String transport : List.of("http", "https", "grpc-plaintext", "grpc-tls")) {
      pairedRatios(
          rows,
          transport,
          "Warm cost, " + transport + ": fnclients / default shared",
          "a warm call through FnClients vs one default client shared across invocations (target <= "
              + WARM_COST_TARGET
              + ")",
          ratios);
    }
    pairedRatios(
        rows,
        "http-same-settings",
        "Warm overhead, http: fnclients / raw",
        "FnClients' interceptors, listeners and sockets over a raw OkHttp client with the same settings (target <= "
            + WARM_TARGET
            + ")",
        ratios);
    pairedRatios(
        rows,
        "http-same-settings-idle",
        "Warm overhead, http, every call 1.2 ms after the last: fnclients / raw",
        "the same, with FnClients' peer-closed check on every call",
        ratios);
  }

  /**
   * One paired comparison's time, caller-CPU and caller-allocation ratios: FnClients' sums over the
   * baseline's, with the range of the per-iteration ratios and, for time, their 99.9% confidence
   * half-width (Student's t, as JMH's errors).
   */
  private static void pairedRatios(
      List<Row> rows, String comparison, String label, String meaning, List<Ratio> ratios) {
    Row row =
        rows.stream()
            .filter(r -> r.benchmark().equals(WARM) && comparison.equals(r.param("comparison")))
            .findFirst()
            .orElse(null);
    ratios.add(paired(row, "Nanos", label, meaning, true));
    ratios.add(
        paired(
            row,
            "CpuNanos",
            label.replace(":", ", caller-thread CPU per call:"),
            "the client side's own CPU time per call, without the server's share or time spent waiting",
            false));
    String bytes =
        row == null
            ? "allocation per call"
            : format(
                "%.0f B vs %.0f B per call",
                row.aux("fnclientsBytes") / row.aux("pairs"),
                row.aux("baselineBytes") / row.aux("pairs"));
    ratios.add(
        paired(
            row,
            "Bytes",
            label.replace(":", ", bytes allocated per call:"),
            bytes + " by the calling thread",
            false));
  }

  private static Ratio paired(
      Row row, String figure, String label, String meaning, boolean withError) {
    if (row == null || !row.aux().containsKey("fnclients" + figure)) {
      return new Ratio(label, meaning, NAN, NAN, NAN, NAN);
    }
    double[] fn = row.aux().get("fnclients" + figure).raw().toArray();
    double[] base = row.aux().get("baseline" + figure).raw().toArray();
    double[] perIteration = new double[fn.length];
    for (int i = 0; i < fn.length; i++) {
      perIteration[i] = fn[i] / base[i];
    }
    DoubleSummaryStatistics stats = DoubleStream.of(perIteration).summaryStatistics();
    double error = NAN;
    if (withError && fn.length > 1) {
      double mean = stats.getAverage();
      double variance =
          DoubleStream.of(perIteration).map(v -> (v - mean) * (v - mean)).sum() / (fn.length - 1);
      error =
          new TDistribution(fn.length - 1).inverseCumulativeProbability(0.9995)
              * Math.sqrt(variance / fn.length);
    }
    return new Ratio(
        label,
        meaning,
        DoubleStream.of(fn).sum() / DoubleStream.of(base).sum(),
        error,
        stats.getMin(),
        stats.getMax());
  }

  /**
   * A cold-start pair: the plain client and the FnClients one, each a method with its own forks.
   */
  private record Cold(
      String benchmark, String raw, String fn, String what, String rawLabel, String fnLabel) {}

  private static final List<Cold> COLDS =
      List.of(
          new Cold(
              COLD,
              "rawOkHttp",
              "fnclients",
              "first GET",
              "`new OkHttpClient()`",
              "`FnClients.http()`"),
          new Cold(
              "Grpc" + COLD,
              "rawGrpc",
              "fnclientsGrpc",
              "first gRPC unary call (plaintext)",
              "`ManagedChannelBuilder...usePlaintext()`",
              "`FnClients.grpc(...)`"),
          new Cold(
              "Grpc" + COLD,
              "rawPublisher",
              "fnclientsPublisher",
              "first confirmed Pub/Sub publish",
              "`Publisher.newBuilder(...)`",
              "`FnClients.publisher(...)`"));

  /** The first call in a fresh JVM: mean, caller CPU, median, classes loaded. */
  private static void coldRatios(Cold c, Pair cold, List<Ratio> ratios) {
    String pair = c.fn() + " / " + c.raw();
    ratios.add(
        cold.time(
            "Cold start, " + c.what() + " in a fresh JVM: " + pair + " (mean of forks)",
            c.fnLabel()
                + " vs "
                + c.rawLabel()
                + ": class loading, client build, first connection and response"
                + (c.benchmark().equals(COLD) ? " (target <= " + COLD_TARGET + ")" : "")));
    ratios.add(
        cold.of(
            "Cold start, " + c.what() + ", caller-thread CPU: " + pair,
            "CPU time of the calling thread during the first call (class loading, linking, interpreting); "
                + "steadier than wall time when other processes compete for the cores",
            Row::callerCpuUs));
    ratios.add(
        cold.of(
            "Cold start, " + c.what() + ": " + pair + " (median of forks)",
            "the same, medians: less moved by one slow fork on a busy machine",
            Row::medianUs));
    ratios.add(
        cold.of(
            "Cold start, " + c.what() + ", classes loaded: " + pair,
            cold.vs(
                CLASSES,
                "%.0f vs %.0f classes loaded during the first call",
                "classes loaded during the first call"),
            CLASSES));
  }

  private static Ratio findRatio(List<Ratio> ratios, String labelStart) {
    return ratios.stream().filter(r -> r.label().startsWith(labelStart)).findFirst().orElseThrow();
  }

  // ---- targets ----

  private static List<Target> targets(List<Row> rows, List<Ratio> ratios, Summary simulation) {
    List<Target> targets = new ArrayList<>();
    targets.add(
        atLeast(
            "Per invocation, HTTPS: client per invocation / FnClients",
            100,
            findRatio(ratios, "Per invocation, https: clientPerInvocation")));
    targets.add(
        atLeast(
            "Per invocation, plain HTTP: client per invocation / FnClients",
            3,
            findRatio(ratios, "Per invocation, http: clientPerInvocation")));
    targets.add(
        atLeast(
            "New TLS connection + first request: default OkHttpClient / FnClients",
            10,
            findRatio(ratios, "New connection, https")));
    Ratio warmCpu = findRatio(ratios, "Warm overhead, http, caller-thread CPU");
    targets.add(
        target(
            "Warm overhead: FnClients / raw OkHttp, same settings",
            "<= " + WARM_TARGET + "x",
            findRatio(ratios, "Warm overhead, http: fnclients"),
            v -> v <= WARM_TARGET,
            warmCpu.measured() ? " (caller CPU " + warmCpu.formatted() + ")" : ""));
    Ratio coldCpu = findRatio(ratios, "Cold start, first GET, caller-thread CPU");
    targets.add(
        target(
            "Cold start (first response in a fresh JVM): FnClients.http() / raw OkHttp",
            "<= " + COLD_TARGET + "x",
            findRatio(ratios, "Cold start, first GET in"),
            v -> v <= COLD_TARGET,
            " (median "
                + findRatio(ratios, "Cold start, first GET: fnclients / rawOkHttp (median")
                    .formatted()
                + (coldCpu.measured() ? ", caller CPU " + coldCpu.formatted() : "")
                + ")"));
    targets.add(warmCostTarget(ratios));
    targets.add(connectionsTarget(rows, simulation));
    for (String scheme : List.of("plaintext", "tls")) {
      targets.add(
          atLeast(
              "gRPC unary (" + scheme + "): channel per invocation / FnClients",
              GRPC_PUBSUB_TARGET,
              findRatio(ratios, "gRPC per invocation, " + scheme + ": channelPerInvocation")));
    }
    targets.add(
        atLeast(
            "Pub/Sub publish and wait: Publisher per invocation / FnClients",
            GRPC_PUBSUB_TARGET,
            findRatio(ratios, "Pub/Sub publish and wait: publisherPerInvocation")));
    targets.add(threadsTarget(rows, simulation));
    targets.add(simulationTarget(simulation));
    return targets;
  }

  /** A target on one ratio, met when {@code goal} holds; {@code details} follow a measured one. */
  private static Target target(
      String target, String goal, Ratio r, DoublePredicate met, String details) {
    return r.measured()
        ? new Target(target, goal, r.formatted() + details, met.test(r.value()))
        : new Target(target, goal, r.formatted(), null);
  }

  private static Target atLeast(String target, double goal, Ratio r) {
    return target(target, format(">= %.0fx", goal), r, v -> v >= goal, "");
  }

  /** FnClients' time per warm call over one default shared client, paired, for each transport. */
  private static Target warmCostTarget(List<Ratio> ratios) {
    List<String> items = new ArrayList<>();
    Boolean met = null;
    for (String transport : List.of("http", "https", "grpc-plaintext", "grpc-tls")) {
      Ratio r = findRatio(ratios, "Warm cost, " + transport + ":");
      met = r.measured() ? and(met, r.value() <= WARM_COST_TARGET) : met;
      items.add(
          r.measured()
              ? format("%s %.3fx (± %.3f)", transport, r.value(), r.error())
              : transport + " not measured");
    }
    return new Target(
        "Warm cost: FnClients / one default client, shared (paired calls)",
        "<= " + WARM_COST_TARGET + "x each",
        String.join("; ", items),
        met);
  }

  /** Connections per 1,000 invocations: the simulation's bursts, and JMH's count without gaps. */
  private static Target connectionsTarget(List<Row> rows, Summary simulation) {
    List<Burst> bursts = simulation == null ? List.of() : simulation.bursts();
    List<String> items = new ArrayList<>();
    Boolean met = null;
    for (Burst b : bursts) {
      boolean fn = b.variant().equals("fnclients");
      met = fn ? and(met, b.connections() <= 1 + b.gaps()) : met;
      items.add(
          b.protocol()
              + " "
              + clientLabel(b.variant())
              + " "
              + b.connections()
              + (fn ? " (limit " + (1 + b.gaps()) + ")" : ""));
    }
    String measured =
        bursts.isEmpty()
            ? ""
            : format(
                    "simulation, %,d invocations with %d frozen gaps: ",
                    bursts.get(0).invocations(), bursts.get(0).gaps())
                + String.join(", ", items);
    Pair jmh = pair(rows, PER_INVOCATION, "fnclients", "clientPerInvocation", "http");
    if (jmh.measured()) {
      measured +=
          (measured.isEmpty() ? "" : "; ")
              + format(
                  "JMH, no gaps: FnClients %.2f vs client per invocation %.0f per 1,000",
                  jmh.n().connectionsPerOp() * 1000, jmh.d().connectionsPerOp() * 1000);
    }
    return new Target(
        "Connections per 1,000 sequential invocations",
        "FnClients <= 1 + idle gaps (client per invocation: 1,000)",
        measured.isEmpty() ? "not measured" : measured,
        met);
  }

  /** FnClients' live threads: mean vs peak over a JMH trial, first vs last in the bursts. */
  private static Target threadsTarget(List<Row> rows, Summary simulation) {
    List<String> items = new ArrayList<>();
    Boolean met = null;
    for (Pick p :
        List.of(
            new Pick(PER_INVOCATION, "https", "HTTPS"),
            new Pick(GRPC, "tls", "gRPC TLS"),
            new Pick(GRPC, "plaintext", "gRPC"),
            new Pick(PUBSUB, null, "Pub/Sub"))) {
      Row fn = find(rows, p.benchmark(), "fnclients", p.scheme());
      if (fn != null && !Double.isNaN(fn.liveThreadsPeak())) {
        met = and(met, fn.liveThreadsPeak() <= Math.ceil(fn.liveThreads()) + 1);
        double started = fn.perOp("threadsStarted");
        items.add(
            format("%s %.1f mean / %.0f peak", p.label(), fn.liveThreads(), fn.liveThreadsPeak())
                + (Double.isNaN(started)
                    ? ""
                    : format(", %.0f threads started per 1,000 invocations", started * 1000)));
      }
    }
    for (Burst b : simulation == null ? List.<Burst>of() : simulation.bursts()) {
      if (b.variant().equals("fnclients")) {
        met = and(met, b.threadsEnd() <= b.threadsStart() + 1);
        items.add(
            format(
                "simulation %s: %d after the 1st, %d after the %,dth invocation",
                b.protocol(), b.threadsStart(), b.threadsEnd(), b.invocations()));
      }
    }
    return new Target(
        "Thread count flat with FnClients",
        "peak <= mean + 1 over a trial; no growth over 1,000 invocations",
        items.isEmpty() ? "not measured" : String.join("; ", items),
        met);
  }

  /** The platform simulation: every FnClients invocation succeeds, none slower than a second. */
  private static Target simulationTarget(Summary simulation) {
    String name = "Platform simulation (frozen instance, idle-killing proxy): FnClients";
    String goal = "100% success, max latency < 1 s";
    if (simulation == null) {
      return new Target(name, goal, "not run", null);
    }
    List<String> fn = new ArrayList<>();
    List<String> others = new ArrayList<>();
    Boolean met = null;
    for (Run r : simulation.runs()) {
      boolean good = r.ok() == r.invocations() && r.maxMillis() < 1000;
      String where =
          format(
              "%s %s %d/%d, max %s",
              r.protocol(),
              r.mode() == Mode.RESET ? "RST" : "drop",
              r.ok(),
              r.invocations(),
              fmtTime(r.maxMillis() * 1000));
      if (r.variant().equals("fnclients")) {
        met = and(met, good);
        fn.add(where);
      } else if (!good) {
        others.add(IdleGap.label(r.variant()) + " " + where);
      }
    }
    return new Target(
        name,
        goal,
        "**FnClients** "
            + String.join("; ", fn)
            + (others.isEmpty() ? "" : ". Others: " + String.join("; ", others)),
        met);
  }

  private static Boolean and(Boolean soFar, boolean next) {
    return soFar == null ? next : soFar && next;
  }

  // ---- markdown ----

  /** A Markdown table: its header, alignment row, and one row per cell array. */
  static void table(StringBuilder md, String header, String alignment, List<Object[]> rows) {
    md.append("| ").append(header).append(" |\n|").append(alignment).append("|\n");
    for (Object[] row : rows) {
      md.append("| ")
          .append(Arrays.stream(row).map(String::valueOf).collect(Collectors.joining(" | ")))
          .append(" |\n");
    }
  }

  private static void header(
      StringBuilder md, List<Path> jsons, JmhResult first, List<Row> rows, boolean simulation) {
    md.append(
            "# FnClients benchmarks: summary\n\nGenerated by `dev.fnclients.benchmarks.Report` from ")
        .append(
            jsons.stream().map(j -> "`" + j.getFileName() + "`").collect(Collectors.joining(", ")))
        .append(simulation ? " and `simulation.json`" : "");
    if (first != null) {
      Row cold = find(rows, COLD, "fnclients", null);
      md.append(
          format(
              " (JMH %s, JDK %s, %s; per-invocation benchmarks: %d warmup × %s, %d measurement × %s, "
                  + "%d fork(s)%s).\n",
              first.jmhVersion(),
              first.jdkVersion(),
              first.vmName(),
              first.warmupIterations(),
              first.warmupTime(),
              first.measurementIterations(),
              first.measurementTime(),
              first.forks(),
              cold == null
                  ? ""
                  : "; cold start: "
                      + cold.rawUs().size()
                      + " forks per client, one operation each"));
    }
    md.append(
        """

        All clients call loopback servers on 127.0.0.1: the JDK's `com.sun.net.httpserver` answering \
        `200 ok` (HTTP and HTTPS), a Netty gRPC server with an echo method and the Pub/Sub `Publisher` \
        service (plaintext and TLS). Lower times are better. Every ratio compares figures measured in \
        this one run; the range after a ratio runs from the least to the most favourable pairing of \
        measurement iterations (of forks, for cold start). ± is JMH's 99.9% confidence half-width, \
        propagated to ratios: with three iterations it uses Student's t with two degrees of freedom \
        (about 32 standard errors), hence wide.

        ## Targets

        """);
  }

  private static void scoresTable(StringBuilder md, List<Row> rows) {
    md.append("\n## Scores\n\n");
    table(
        md,
        "Benchmark | variant | scheme | time / op | ± | connections / op | live threads (mean / peak) | "
            + "threads started / op | caller CPU / op | bytes allocated / op | JVM CPU / op",
        "---|---|---|---:|---:|---:|---:|---:|---:|---:|---:",
        rows.stream()
            .filter(r -> !r.benchmark().endsWith(COLD))
            .map(
                r ->
                    new Object[] {
                      r.benchmark() + "." + r.method(),
                      Objects.requireNonNullElse(
                          r.param("variant"),
                          Objects.requireNonNullElse(r.param("comparison"), "-")),
                      Objects.requireNonNullElse(r.param("scheme"), "-"),
                      fmtTime(r.scoreUs()),
                      Double.isNaN(r.errorUs()) ? "" : fmtTime(r.errorUs()),
                      orDash(r.connectionsPerOp(), "%.3f"),
                      orDash(r.liveThreads(), "%.1f")
                          + (Double.isNaN(r.liveThreadsPeak())
                              ? ""
                              : orDash(r.liveThreadsPeak(), " / %.0f")),
                      orDash(r.perOp("threadsStarted"), "%.3f"),
                      fmtTime(r.callerCpuUs()),
                      orDash(BYTES.applyAsDouble(r), "%.0f"),
                      fmtTime(r.cpuUs())
                    })
            .toList());
    md.append(
        """

        Connections / op: for HTTP, OkHttp's `connectEnd` event (a listener on the default clients; \
        FnClients' own `fnclients.connections.opened` counter on its client); for gRPC and Pub/Sub, \
        connections the server accepted (a transport filter), the same for every variant. Live \
        threads is `Thread.activeCount()` after each operation (for gRPC and Pub/Sub: when the answer \
        arrived, before a per-invocation client is torn down), mean and peak over the trial; it \
        includes JMH's threads and the servers'. Threads started / op: threads the JVM started \
        during the iterations, per operation. Caller CPU / op is the benchmark thread's CPU time (the \
        client side of each call) per operation. Bytes allocated / op is JMH's `gc.alloc.rate.norm` \
        (`-prof gc`): what every thread of the JVM allocated per operation, the loopback server's \
        included. JVM CPU / op is the process CPU time over the iteration (every thread: client, \
        loopback server, GC) divided by operations; with two cores it can exceed the time per op. \
        `-` where a benchmark does not record a figure.

        ![Per-invocation cost](per-invocation.svg)
        """);
  }

  private static void coldStartTable(StringBuilder md, List<Row> rows) {
    List<Object[]> cells = new ArrayList<>();
    for (Cold c : COLDS) {
      for (String variant : List.of(c.raw(), c.fn())) {
        Row r = find(rows, c.benchmark(), variant, null);
        if (r != null) {
          cells.add(
              new Object[] {
                c.what(),
                variant.equals(c.fn()) ? c.fnLabel() : c.rawLabel(),
                fmtTime(r.scoreUs()),
                Double.isNaN(r.errorUs()) ? "" : fmtTime(r.errorUs()),
                fmtTime(r.medianUs()),
                r.raw().mapToObj(v -> orDash(v / 1000, "%.0f")).collect(Collectors.joining(", "))
                    + " ms",
                orDash(CLASSES.applyAsDouble(r), "%.0f"),
                fmtTime(r.callerCpuUs())
              });
        }
      }
    }
    if (cells.isEmpty()) {
      return;
    }
    md.append(
        """

        ## Cold start

        `ColdStartBenchmark` (HTTP) and `GrpcColdStartBenchmark` (gRPC, Pub/Sub; servers in a child \
        JVM): JMH single-shot, no warmup, one operation per fork, each client in forks of its own: \
        the first call of a fresh JVM, from nothing loaded to the answer read (the JVM's own start is \
        the same for both and not included).

        """);
    table(
        md,
        "first call | client | mean | ± | median | per fork | classes loaded | caller CPU",
        "---|---|---:|---:|---:|---|---:|---:",
        cells);
  }

  private static void simulationSection(StringBuilder md, Summary simulation) {
    IdleGap.Settings s = simulation.settings();
    md.append(
        format(
            """

            ## Platform simulation

            Function instance in a child JVM frozen (SIGSTOP) between invocations; proxy killing \
            connections idle > %d ms (RST or silent drop); %d invocations per client, %d of them \
            after a %d ms frozen gap; `FNCLIENTS_MAX_IDLE_AGE=%dms`; default clients' timeout %d s. \
            Full tables: [simulation.md](simulation.md).

            """,
            s.idleLimitMillis(),
            s.invocations(),
            s.longGaps(),
            s.longGapMillis(),
            s.maxIdleAgeMillis(),
            s.timeoutMillis() / 1000));
    table(
        md,
        "protocol | kill mode | client | succeeded | p50 | p99 | max | connections",
        "---|---|---|---:|---:|---:|---:|---:",
        simulation.runs().stream()
            .map(
                r ->
                    new Object[] {
                      r.protocol(),
                      r.mode() == Mode.RESET ? "RST" : "silent drop",
                      clientLabel(r.variant()),
                      r.ok() + "/" + r.invocations(),
                      fmtTime(r.p50Millis() * 1000),
                      fmtTime(r.p99Millis() * 1000),
                      fmtTime(r.maxMillis() * 1000),
                      r.connections()
                    })
            .toList());
    md.append("\n![Platform simulation](simulation.svg)\n");
  }

  private static String orDash(double value, String pattern) {
    return Double.isNaN(value) ? "-" : format(pattern, value);
  }

  /** {@link String#format}, numbers written the same under every default locale. */
  private static String format(String pattern, Object... args) {
    return String.format(Locale.ROOT, pattern, args);
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

  /** A group of bars: a benchmark, a scheme, and its variants, the anti-pattern first. */
  private record Group(String title, String benchmark, String scheme, String perInvocation) {}

  private static final List<Group> GROUPS =
      List.of(
          new Group("HTTP", PER_INVOCATION, "http", "clientPerInvocation"),
          new Group("HTTPS", PER_INVOCATION, "https", "clientPerInvocation"),
          new Group("gRPC unary, plaintext", GRPC, "plaintext", "channelPerInvocation"),
          new Group("gRPC unary, TLS", GRPC, "tls", "channelPerInvocation"),
          new Group("Pub/Sub publish and wait", PUBSUB, null, "publisherPerInvocation"));

  /** A log-scale bar chart of the per-invocation costs, one group of bars per protocol. */
  private static String svg(List<Row> rows) {
    Map<Row, Group> bars = new LinkedHashMap<>();
    for (Group g : GROUPS) {
      for (String variant : List.of(g.perInvocation(), "defaultShared", "fnclients")) {
        Row r = find(rows, g.benchmark(), variant, g.scheme());
        if (r != null && r.scoreUs() > 0) {
          bars.put(r, g);
        }
      }
    }
    int left = 200;
    int top = 70;
    int height = top + bars.size() * 26 + (int) bars.values().stream().distinct().count() * 26 + 50;
    Svg svg =
        new Svg(860, height, 13)
            .text(
                12,
                24,
                "One function invocation making one call (time per invocation, log scale, lower is better)",
                "font-size=16",
                "font-weight=bold")
            .text(
                12,
                44,
                "loopback; red: client built per invocation, grey: one default client shared, blue: FnClients; "
                    + "×N = times the FnClients figure",
                "fill=#555555");
    if (bars.isEmpty()) {
      return svg.text(12, 80, "No per-invocation benchmark was in this run.").toString();
    }
    Svg.Scale x =
        Svg.Scale.log(
            bars.keySet().stream().mapToDouble(Row::scoreUs).min().orElseThrow(),
            bars.keySet().stream().mapToDouble(Row::scoreUs).max().orElseThrow(),
            left,
            670);
    svg.xGrid(x, top - 10, height - 40, us -> fmtTime(us).replace(".00", "").replace(".0", ""));
    int y = top;
    Group current = null;
    for (Map.Entry<Row, Group> bar : bars.entrySet()) {
      if (bar.getValue() != current) {
        current = bar.getValue();
        svg.text(12, y + 12, current.title(), "font-weight=bold");
        y += 20;
      }
      bar(
          svg,
          x,
          left,
          y,
          bar.getKey(),
          find(rows, current.benchmark(), "fnclients", current.scheme()));
      y += 26;
    }
    return svg.line(left, top - 10, left, height - 40, "stroke=#333333").toString();
  }

  /** One bar: the variant, its time, and how many times the FnClients figure it is. */
  private static void bar(Svg svg, Svg.Scale x, int left, int y, Row r, Row fn) {
    String variant = r.param("variant");
    double times = fn == null || variant.equals("fnclients") ? NAN : r.scoreUs() / fn.scoreUs();
    String color =
        variant.equals("fnclients")
            ? "#1f77b4"
            : variant.equals("defaultShared") ? "#8c8c8c" : "#d62728";
    double end = x.at(r.scoreUs());
    svg.text(left - 8, y + 15, variant, "text-anchor=end")
        .rect(left, y, Math.max(1, end - left), 20, "fill=" + color)
        .text(
            end + 6,
            y + 15,
            fmtTime(r.scoreUs())
                + (Double.isNaN(times)
                    ? ""
                    : format(times >= 10 ? "  (×%.0f)" : "  (×%.2f)", times)));
  }
}
