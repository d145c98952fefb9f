package dev.fnclients.benchmarks;

import com.google.gson.Gson;
import com.google.gson.reflect.TypeToken;
import dev.fnclients.testkit.Svg;
import dev.fnclients.benchmarks.PlatformSimulation.Run;
import dev.fnclients.benchmarks.PlatformSimulation.Summary;
import dev.fnclients.examples.IdleGap.Burst;
import dev.fnclients.testkit.IdleKillingProxy.Mode;
import java.io.IOException;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Turns JMH JSON result files (and the platform simulation's {@code simulation.json}, when it is
 * there) into {@code summary.md} (the targets with their measured figures, the ratios, scores and
 * secondary figures, cold start, the simulation's headline) and {@code per-invocation.svg} (a
 * log-scale bar chart of the per-invocation costs of every client, HTTP, HTTPS, gRPC and Pub/Sub).
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.fnclients.benchmarks.Report \
 *     [benchmarks/results/jmh.json [benchmarks/results/jmh-coldstart.json ...]] [output directory]
 * </pre>
 *
 * <p>Arguments ending in {@code .json} are JMH result files; another argument is the output
 * directory (default: the first JSON file's directory), where {@code simulation.json} is looked for
 * too. With no JSON argument, {@code results/jmh.json} and {@code results/jmh-coldstart.json} are
 * read if they exist. Ratios missing from the files (a benchmark or parameter filtered out of the
 * run) are shown as "not measured".
 */
public final class Report {
  private static final String PER_INVOCATION = "PerInvocationBenchmark";
  private static final String WARM = "WarmOverheadBenchmark";
  private static final String NEW_CONNECTION = "NewConnectionBenchmark";
  private static final String GRPC = "GrpcPerInvocationBenchmark";
  private static final String PUBSUB = "PubsubPerInvocationBenchmark";
  private static final String COLD = "ColdStartBenchmark";
  private static final double WARM_TARGET = 1.05;
  private static final double COLD_TARGET = 1.15;
  private static final double TLS_TARGET = 100;
  private static final double PLAIN_TARGET = 3;
  private static final double NEW_CONNECTION_TARGET = 10;
  private static final double GRPC_PUBSUB_TARGET = 10;
  private static final double SIMULATION_MAX_MILLIS = 1000;

  /** One benchmark result, times normalized to microseconds per operation. */
  record Row(
      String benchmark,
      String method,
      String mode,
      Map<String, String> params,
      double scoreUs,
      double errorUs,
      String rawUnit,
      List<Double> rawUs,
      double ops,
      double connectionsOpened,
      double liveThreadSamples,
      double liveThreadsPeak,
      double threadsStarted,
      double processCpuMicros,
      double callerCpuNanos,
      double allocatedBytesPerOp,
      double classesLoaded) {

    String param(String name) {
      return params.get(name);
    }

    /** Whether the benchmark recorded its operations one by one (connections, live threads). */
    private boolean recorded() {
      return ops > 0 && liveThreadSamples > 0;
    }

    double connectionsPerOp() {
      return recorded() ? connectionsOpened / ops : Double.NaN;
    }

    double liveThreads() {
      return recorded() ? liveThreadSamples / ops : Double.NaN;
    }

    double liveThreadsMax() {
      return recorded() ? liveThreadsPeak : Double.NaN;
    }

    double threadsStartedPerOp() {
      return ops > 0 ? threadsStarted / ops : Double.NaN;
    }

    /** CPU time of the benchmark thread (the client side of a call) per operation, in microseconds. */
    double callerCpuUsPerOp() {
      return ops > 0 && callerCpuNanos > 0 ? callerCpuNanos / 1000 / ops : Double.NaN;
    }

    /** CPU time of the whole JVM (client, server, GC) per operation, in microseconds. */
    double cpuUsPerOp() {
      return ops > 0 && processCpuMicros > 0 ? processCpuMicros / ops : Double.NaN;
    }

    double classesPerOp() {
      return ops > 0 && classesLoaded > 0 ? classesLoaded / ops : Double.NaN;
    }

    /** The median of the raw per-iteration (per-fork, for single-shot) scores. */
    double medianUs() {
      if (rawUs.isEmpty()) {
        return Double.NaN;
      }
      List<Double> sorted = new ArrayList<>(rawUs);
      sorted.sort(Double::compare);
      int n = sorted.size();
      return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
  }

  /**
   * A ratio of two scores with its propagated (approximate) error and its range over iterations
   * (smallest numerator iteration over largest denominator iteration, and the other way round).
   */
  record Ratio(String label, String meaning, double value, double error, boolean measured, double lo, double hi) {
    Ratio(String label, String meaning, double value, double error, boolean measured) {
      this(label, meaning, value, error, measured, Double.NaN, Double.NaN);
    }
  }

  /** One benchmark in a JMH JSON result file (the fields read here). */
  record JmhResult(
      String benchmark,
      String mode,
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
  record Metric(double score, double scoreError, String scoreUnit, List<List<Double>> rawData) {}

  /** One target of the issue, what was measured for it, and whether it is met (null: not measured). */
  record Target(String target, String goal, String measured, Boolean met) {}

  /** Lenient, so JMH's {@code "NaN"} scores read as NaN. */
  private static final Gson GSON = new Gson();
  private static final Type RESULTS = new TypeToken<List<JmhResult>>() {}.getType();

  private Report() {}

  public static void main(String[] args) throws IOException {
    List<Path> jsons = new ArrayList<>();
    Path outDir = null;
    for (String arg : args) {
      if (arg.endsWith(".json")) {
        jsons.add(Path.of(arg));
      } else {
        outDir = Path.of(arg);
      }
    }
    if (jsons.isEmpty()) {
      Path dir = Files.isDirectory(Path.of("benchmarks", "results")) ? Path.of("benchmarks", "results") : Path.of("results");
      for (String name : List.of("jmh.json", "jmh-coldstart.json")) {
        if (Files.exists(dir.resolve(name))) {
          jsons.add(dir.resolve(name));
        }
      }
      if (jsons.isEmpty()) {
        jsons.add(dir.resolve("jmh.json")); // fails below with a clear "no such file"
      }
    }
    if (outDir == null) {
      outDir = jsons.get(0).toAbsolutePath().getParent();
    }

    List<Row> rows = new ArrayList<>();
    JmhResult first = null;
    for (Path json : jsons) {
      List<JmhResult> results = GSON.fromJson(Files.readString(json, StandardCharsets.UTF_8), RESULTS);
      results.forEach(r -> rows.add(toRow(r)));
      if (first == null && !results.isEmpty()) {
        first = results.get(0);
      }
    }
    Path simulationJson = outDir.resolve("simulation.json");
    Summary simulation = Files.exists(simulationJson)
        ? GSON.fromJson(Files.readString(simulationJson, StandardCharsets.UTF_8), Summary.class)
        : null;

    Files.createDirectories(outDir);
    Path summary = outDir.resolve("summary.md");
    Path svg = outDir.resolve("per-invocation.svg");
    List<Ratio> ratios = ratios(rows);
    List<Target> targets = targets(rows, simulation);
    Path runInfo = outDir.resolve("run-info.txt");
    String machine = Files.exists(runInfo) ? Files.readString(runInfo, StandardCharsets.UTF_8) : null;
    Files.writeString(summary, markdown(jsons, first, rows, ratios, targets, simulation, machine), StandardCharsets.UTF_8);
    Files.writeString(svg, svg(rows), StandardCharsets.UTF_8);

    System.out.println("Wrote " + summary + " and " + svg);
    for (Target t : targets) {
      System.out.printf(Locale.ROOT, "  %-4s %-62s %s%n",
          t.met() == null ? "n/a" : t.met() ? "MET" : "MISS", t.target(), t.measured().replace("**", ""));
    }
  }

  // ---- reading ----

  private static Row toRow(JmhResult result) {
    int lastDot = result.benchmark().lastIndexOf('.');
    String method = result.benchmark().substring(lastDot + 1);
    String className = result.benchmark().substring(0, lastDot);
    String simpleClass = className.substring(className.lastIndexOf('.') + 1);
    Map<String, String> params = new LinkedHashMap<>(result.params() == null ? Map.of() : result.params());
    if (simpleClass.equals(COLD)) {
      params.putIfAbsent("variant", method); // one method per variant, so that each fork measures one
    }
    Metric primary = result.primaryMetric();
    double toUs = microsPer(primary.scoreUnit());
    List<Double> raw = new ArrayList<>();
    primary.rawData().forEach(fork -> fork.forEach(v -> raw.add(v * toUs)));
    Map<String, Metric> secondary = result.secondaryMetrics() == null ? Map.of() : result.secondaryMetrics();
    return new Row(simpleClass, method, result.mode(), params, primary.score() * toUs, primary.scoreError() * toUs,
        primary.scoreUnit(), raw,
        secondaryScore(secondary, "ops"),
        secondaryScore(secondary, "connectionsOpened"),
        secondaryScore(secondary, "liveThreadSamples"),
        secondaryMax(secondary, "liveThreadsPeak"),
        secondaryScore(secondary, "threadsStarted"),
        secondaryScore(secondary, "processCpuMicros"),
        secondaryScore(secondary, "callerCpuNanos"),
        secondaryScore(secondary, "gc.alloc.rate.norm"),
        secondaryScore(secondary, "classesLoaded"));
  }

  private static double secondaryScore(Map<String, Metric> secondary, String name) {
    Metric metric = secondary.get(name);
    return metric == null ? Double.NaN : metric.score();
  }

  /** The largest per-iteration value of a secondary metric (from its raw data). */
  private static double secondaryMax(Map<String, Metric> secondary, String name) {
    Metric metric = secondary.get(name);
    return metric == null
        ? Double.NaN
        : metric.rawData().stream().flatMap(List::stream).mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
  }

  /** Microseconds in one unit of a JMH time unit such as {@code ms/op}. */
  private static double microsPer(String unit) {
    String time = unit == null ? "" : unit.split("/")[0];
    switch (time) {
      case "ns":
        return 1e-3;
      case "us":
        return 1;
      case "ms":
        return 1e3;
      case "s":
        return 1e6;
      default:
        throw new IllegalArgumentException(
            "unsupported unit " + unit + "; run the benchmarks in AverageTime or SingleShotTime mode (their defaults)");
    }
  }

  // ---- ratios ----

  private static Row find(List<Row> rows, String benchmark, String variant, String scheme) {
    for (Row r : rows) {
      if (r.benchmark().equals(benchmark)
          && Objects.equals(r.param("variant"), variant)
          && (scheme == null || Objects.equals(r.param("scheme"), scheme))) {
        return r;
      }
    }
    return null;
  }

  private static Ratio ratio(String label, String meaning, Row numerator, Row denominator) {
    if (numerator == null || denominator == null) {
      return new Ratio(label, meaning, Double.NaN, Double.NaN, false);
    }
    double value = numerator.scoreUs() / denominator.scoreUs();
    double error = value * Math.sqrt(
        square(numerator.errorUs() / numerator.scoreUs()) + square(denominator.errorUs() / denominator.scoreUs()));
    double lo = Double.NaN;
    double hi = Double.NaN;
    if (numerator.rawUs().size() > 1 && denominator.rawUs().size() > 1) {
      double nMin = numerator.rawUs().stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
      double nMax = numerator.rawUs().stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
      double dMin = denominator.rawUs().stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
      double dMax = denominator.rawUs().stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
      lo = nMin / dMax;
      hi = nMax / dMin;
    }
    return new Ratio(label, meaning, value, error, true, lo, hi);
  }

  private static Ratio derived(String label, String meaning, Row a, Row b, java.util.function.ToDoubleFunction<Row> f) {
    boolean measured = a != null && b != null && !Double.isNaN(f.applyAsDouble(a)) && !Double.isNaN(f.applyAsDouble(b));
    return new Ratio(label, meaning, measured ? f.applyAsDouble(a) / f.applyAsDouble(b) : Double.NaN, Double.NaN, measured);
  }

  private static double square(double x) {
    return x * x;
  }

  static List<Ratio> ratios(List<Row> rows) {
    List<Ratio> ratios = new ArrayList<>();
    httpRatios(rows, ratios);
    warmRatios(rows, ratios);
    grpcPubsubRatios(rows, ratios);
    coldRatios(rows, ratios);
    return ratios;
  }

  private static void httpRatios(List<Row> rows, List<Ratio> ratios) {
    for (String variant : List.of("clientPerInvocation", "defaultShared")) {
      for (String scheme : List.of("http", "https")) {
        ratios.add(ratio(
            "Per invocation, " + scheme + ": " + variant + " / fnclients",
            variant.equals("defaultShared")
                ? "a shared default client vs FnClients on a warm connection (about 1 expected)"
                : "how many times more a client built per invocation costs than the shared FnClients client",
            find(rows, PER_INVOCATION, variant, scheme),
            find(rows, PER_INVOCATION, "fnclients", scheme)));
      }
    }
    ratios.add(ratio(
        "New connection, https: defaultShared / fnclients",
        "new TLS connection + first request; the default client leaves Nagle on, FnClients sets TCP_NODELAY",
        find(rows, NEW_CONNECTION, "defaultShared", "https"),
        find(rows, NEW_CONNECTION, "fnclients", "https")));
    ratios.add(ratio(
        "New connection, http: defaultShared / fnclients",
        "new plain TCP connection + first request",
        find(rows, NEW_CONNECTION, "defaultShared", "http"),
        find(rows, NEW_CONNECTION, "fnclients", "http")));
  }

  private static void warmRatios(List<Row> rows, List<Ratio> ratios) {
    Row warmFn = find(rows, WARM, "fnclients", null);
    Row warmRaw = find(rows, WARM, "raw", null);
    ratios.add(ratio(
        "Warm overhead, http: fnclients / raw",
        "FnClients' interceptors and listeners over a raw OkHttp client with the same settings (target <= "
            + WARM_TARGET + ")",
        warmFn, warmRaw));
    ratios.add(derived(
        "Warm overhead, http, caller-thread CPU per request: fnclients / raw",
        "the client side's own CPU time per request (OkHttp runs a synchronous call on the caller's "
            + "thread): FnClients' added work without the server's share or time spent waiting",
        warmFn, warmRaw, Row::callerCpuUsPerOp));
    Ratio alloc = derived("Warm overhead, http, bytes allocated per request: fnclients / raw", "",
        warmFn, warmRaw, Row::allocatedBytesPerOp);
    ratios.add(new Ratio(alloc.label(),
        (alloc.measured()
            ? String.format(Locale.ROOT, "%.0f B vs %.0f B per request", warmFn.allocatedBytesPerOp(), warmRaw.allocatedBytesPerOp())
            : "allocation per request")
            + " by every thread of the JVM, the loopback server's included (JMH `-prof gc`, `gc.alloc.rate.norm`); "
            + "independent of machine load",
        alloc.value(), alloc.error(), alloc.measured()));
    ratios.add(derived(
        "Warm overhead, http, JVM CPU time per request: fnclients / raw",
        "the same comparison in CPU time of the whole JVM per request (client, in-process server, GC); "
            + "steadier than wall time on a busy machine, diluted by the server's share",
        warmFn, warmRaw, Row::cpuUsPerOp));
  }

  private static void grpcPubsubRatios(List<Row> rows, List<Ratio> ratios) {
    for (String scheme : List.of("plaintext", "tls")) {
      ratios.add(ratio(
          "gRPC per invocation, " + scheme + ": channelPerInvocation / fnclients",
          "a default channel built and shut down per invocation vs FnClients.grpc (target >= " + (int) GRPC_PUBSUB_TARGET + ")",
          find(rows, GRPC, "channelPerInvocation", scheme),
          find(rows, GRPC, "fnclients", scheme)));
      ratios.add(ratio(
          "gRPC per invocation, " + scheme + ": defaultShared / fnclients",
          "one default channel reused vs FnClients.grpc (below 1: the cost of FnClients' interceptors)",
          find(rows, GRPC, "defaultShared", scheme),
          find(rows, GRPC, "fnclients", scheme)));
    }
    ratios.add(ratio(
        "Pub/Sub publish and wait: publisherPerInvocation / fnclients",
        "a Publisher (and channel) built and shut down per invocation vs FnClients' publishAndWait (target >= "
            + (int) GRPC_PUBSUB_TARGET + ")",
        find(rows, PUBSUB, "publisherPerInvocation", null),
        find(rows, PUBSUB, "fnclients", null)));
    ratios.add(ratio(
        "Pub/Sub publish and wait: defaultShared / fnclients",
        "one Publisher reused, publish(m).get() (waits for the client's 1 ms batch delay) vs publishAndWait",
        find(rows, PUBSUB, "defaultShared", null),
        find(rows, PUBSUB, "fnclients", null)));
  }

  private static void coldRatios(List<Row> rows, List<Ratio> ratios) {
    Row coldFn = find(rows, COLD, "fnclients", null);
    Row coldRaw = find(rows, COLD, "rawOkHttp", null);
    ratios.add(ratio(
        "Cold start, first GET in a fresh JVM: fnclients / rawOkHttp (mean of forks)",
        "FnClients.http() vs new OkHttpClient(): class loading, client build, first connection and response (target <= "
            + COLD_TARGET + ")",
        coldFn, coldRaw));
    ratios.add(derived(
        "Cold start: fnclients / rawOkHttp (median of forks)",
        "the same, medians: less moved by one slow fork on a busy machine",
        coldFn, coldRaw, Row::medianUs));
    ratios.add(derived(
        "Cold start, caller-thread CPU: fnclients / rawOkHttp",
        "CPU time of the calling thread during the first call (class loading, linking, interpreting); "
            + "steadier than wall time when other processes compete for the cores",
        coldFn, coldRaw, Row::callerCpuUsPerOp));
    ratios.add(derived(
        "Cold start, classes loaded: fnclients / rawOkHttp",
        coldFn != null && coldRaw != null
            ? String.format(Locale.ROOT, "%.0f vs %.0f classes loaded during the first call", coldFn.classesPerOp(), coldRaw.classesPerOp())
            : "classes loaded during the first call",
        coldFn, coldRaw, Row::classesPerOp));
  }

  private static Ratio findRatio(List<Ratio> ratios, String labelStart) {
    for (Ratio r : ratios) {
      if (r.label().startsWith(labelStart)) {
        return r;
      }
    }
    return new Ratio(labelStart, "", Double.NaN, Double.NaN, false);
  }

  // ---- targets ----

  static List<Target> targets(List<Row> rows, Summary simulation) {
    List<Ratio> ratios = ratios(rows);
    List<Target> targets = new ArrayList<>();
    targets.add(atLeast("Per invocation, HTTPS: client per invocation / FnClients", TLS_TARGET,
        findRatio(ratios, "Per invocation, https: clientPerInvocation")));
    targets.add(atLeast("Per invocation, plain HTTP: client per invocation / FnClients", PLAIN_TARGET,
        findRatio(ratios, "Per invocation, http: clientPerInvocation")));
    targets.add(atLeast("New TLS connection + first request: default OkHttpClient / FnClients", NEW_CONNECTION_TARGET,
        findRatio(ratios, "New connection, https")));
    Ratio warm = findRatio(ratios, "Warm overhead, http: fnclients");
    Ratio warmCpu = findRatio(ratios, "Warm overhead, http, caller-thread CPU");
    targets.add(new Target("Warm overhead: FnClients / raw OkHttp, same settings", "<= " + WARM_TARGET + "x",
        warm.measured() ? formatRatio(warm) + (warmCpu.measured() ? " (caller CPU " + formatRatio(warmCpu) + ")" : "") : "not measured",
        warm.measured() ? warm.value() <= WARM_TARGET : null));
    Ratio cold = findRatio(ratios, "Cold start, first GET");
    Ratio coldMedian = findRatio(ratios, "Cold start: fnclients / rawOkHttp (median");
    Ratio coldCpu = findRatio(ratios, "Cold start, caller-thread CPU");
    targets.add(new Target("Cold start (first response in a fresh JVM): FnClients.http() / raw OkHttp",
        "<= " + COLD_TARGET + "x",
        cold.measured()
            ? formatRatio(cold) + " (median " + formatRatio(coldMedian) + (coldCpu.measured() ? ", caller CPU " + formatRatio(coldCpu) : "") + ")"
            : "not measured",
        cold.measured() ? cold.value() <= COLD_TARGET : null));
    targets.add(connectionsTarget(rows, simulation));
    for (String scheme : List.of("plaintext", "tls")) {
      targets.add(atLeast("gRPC unary (" + scheme + "): channel per invocation / FnClients", GRPC_PUBSUB_TARGET,
          findRatio(ratios, "gRPC per invocation, " + scheme + ": channelPerInvocation")));
    }
    targets.add(atLeast("Pub/Sub publish and wait: Publisher per invocation / FnClients", GRPC_PUBSUB_TARGET,
        findRatio(ratios, "Pub/Sub publish and wait: publisherPerInvocation")));
    targets.add(threadsTarget(rows, simulation));
    targets.add(simulationTarget(simulation));
    return targets;
  }

  /** Connections per 1,000 sequential invocations: the simulation's bursts, and JMH's count without gaps. */
  private static Target connectionsTarget(List<Row> rows, Summary simulation) {
    List<String> items = new ArrayList<>();
    String prefix = "";
    Boolean met = null;
    for (Burst b : simulation == null ? List.<Burst>of() : simulation.bursts()) {
      prefix = String.format(Locale.ROOT, "simulation, %,d invocations with %d frozen gaps: ", b.invocations(), b.gaps());
      String item = b.protocol() + " " + clientLabel(b.variant()) + " " + b.connections();
      if (b.variant().equals("fnclients")) {
        met = and(met, b.connections() <= 1 + b.gaps());
        item += String.format(Locale.ROOT, " (limit %d)", 1 + b.gaps());
      }
      items.add(item);
    }
    StringBuilder conns = new StringBuilder(items.isEmpty() ? "" : prefix + String.join(", ", items));
    Row jmhFn = find(rows, PER_INVOCATION, "fnclients", "http");
    Row jmhCpi = find(rows, PER_INVOCATION, "clientPerInvocation", "http");
    if (jmhFn != null && jmhCpi != null) {
      conns.append(conns.length() > 0 ? "; " : "").append(String.format(Locale.ROOT,
          "JMH, no gaps: FnClients %.2f vs client per invocation %.0f per 1,000",
          jmhFn.connectionsPerOp() * 1000, jmhCpi.connectionsPerOp() * 1000));
    }
    return new Target("Connections per 1,000 sequential invocations", "FnClients <= 1 + idle gaps (client per invocation: 1,000)",
        conns.length() == 0 ? "not measured" : conns.toString(), met);
  }

  /** Threads flat: FnClients' live threads, mean vs peak over a JMH trial, and first vs last in the bursts. */
  private static Target threadsTarget(List<Row> rows, Summary simulation) {
    List<String> items = new ArrayList<>();
    Boolean met = null;
    for (String[] b : List.of(new String[] {PER_INVOCATION, "https", "HTTPS"}, new String[] {GRPC, "tls", "gRPC TLS"},
        new String[] {GRPC, "plaintext", "gRPC"}, new String[] {PUBSUB, null, "Pub/Sub"})) {
      Row fn = find(rows, b[0], "fnclients", b[1]);
      if (fn == null || Double.isNaN(fn.liveThreadsMax())) {
        continue;
      }
      met = and(met, fn.liveThreadsMax() <= Math.ceil(fn.liveThreads()) + 1);
      items.add(String.format(Locale.ROOT, "%s %.1f mean / %.0f peak", b[2], fn.liveThreads(), fn.liveThreadsMax())
          + (Double.isNaN(fn.threadsStartedPerOp()) ? "" : String.format(Locale.ROOT,
              ", %.0f threads started per 1,000 invocations", fn.threadsStartedPerOp() * 1000)));
    }
    for (Burst b : simulation == null ? List.<Burst>of() : simulation.bursts()) {
      if (b.variant().equals("fnclients")) {
        met = and(met, b.threadsEnd() <= b.threadsStart() + 1);
        items.add(String.format(Locale.ROOT, "simulation %s: %d after the 1st, %d after the %,dth invocation",
            b.protocol(), b.threadsStart(), b.threadsEnd(), b.invocations()));
      }
    }
    return new Target("Thread count flat with FnClients", "peak <= mean + 1 over a trial; no growth over 1,000 invocations",
        items.isEmpty() ? "not measured" : String.join("; ", items), met);
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
      String where = r.protocol() + " " + (r.mode() == Mode.RESET ? "RST" : "drop");
      if (r.variant().equals("fnclients")) {
        met = and(met, r.ok() == r.invocations() && r.maxMillis() < SIMULATION_MAX_MILLIS);
        fn.add(String.format(Locale.ROOT, "%s %d/%d, max %s", where, r.ok(), r.invocations(), fmtMillis(r.maxMillis())));
      } else if (r.ok() < r.invocations() || r.maxMillis() >= SIMULATION_MAX_MILLIS) {
        others.add(String.format(Locale.ROOT, "%s %s %d/%d, max %s", PlatformSimulation.label(r.variant()), where,
            r.ok(), r.invocations(), fmtMillis(r.maxMillis())));
      }
    }
    return new Target(name, goal,
        "**FnClients** " + String.join("; ", fn) + (others.isEmpty() ? "" : ". Others: " + String.join("; ", others)), met);
  }

  private static Boolean and(Boolean soFar, boolean next) {
    return soFar == null ? next : soFar && next;
  }

  private static String clientLabel(String variant) {
    return variant.equals("fnclients") ? "**FnClients**" : PlatformSimulation.label(variant);
  }

  private static Target atLeast(String target, double goal, Ratio r) {
    return new Target(target, String.format(Locale.ROOT, ">= %.0fx", goal),
        r.measured() ? formatRatio(r) : "not measured", r.measured() ? r.value() >= goal : null);
  }

  private static String fmtMillis(double ms) {
    return fmtTime(ms * 1000);
  }

  // ---- markdown ----

  private static String markdown(List<Path> jsons, JmhResult first, List<Row> rows, List<Ratio> ratios,
      List<Target> targets, Summary simulation, String machine) {
    StringBuilder md = new StringBuilder();
    header(md, jsons, first, rows, simulation != null);
    md.append("## Targets\n\n");
    md.append("| Target | Goal | Measured in this run | Met |\n|---|---|---|---|\n");
    for (Target t : targets) {
      md.append("| ").append(t.target()).append(" | ").append(t.goal()).append(" | ").append(t.measured())
          .append(" | ").append(t.met() == null ? "not measured" : t.met() ? "yes" : "**no**").append(" |\n");
    }
    ratiosTable(md, ratios);
    scoresTable(md, rows);
    coldStartTable(md, rows);
    if (simulation != null) {
      simulationSection(md, simulation);
    }
    if (machine != null) {
      md.append("\n## Machine and run\n\n```\n").append(machine.strip()).append("\n```\n");
    }
    return md.toString();
  }

  private static void header(StringBuilder md, List<Path> jsons, JmhResult first, List<Row> rows, boolean simulation) {
    md.append("# FnClients benchmarks: summary\n\n");
    md.append("Generated by `dev.fnclients.benchmarks.Report` from ");
    for (int i = 0; i < jsons.size(); i++) {
      md.append(i > 0 ? ", " : "").append('`').append(jsons.get(i).getFileName()).append('`');
    }
    if (simulation) {
      md.append(" and `simulation.json`");
    }
    if (first != null) {
      md.append(String.format(Locale.ROOT, " (JMH %s, JDK %s, %s; per-invocation benchmarks: %d warmup × %s, %d measurement × %s, %d fork(s)",
          first.jmhVersion(), first.jdkVersion(), first.vmName(), first.warmupIterations(), first.warmupTime(),
          first.measurementIterations(), first.measurementTime(), first.forks()));
      Row cold = find(rows, COLD, "fnclients", null);
      if (cold != null) {
        md.append(String.format(Locale.ROOT, "; cold start: %d forks per client, one operation each", cold.rawUs().size()));
      }
      md.append(").\n");
    }
    md.append("\nAll clients call loopback servers on 127.0.0.1: the JDK's `com.sun.net.httpserver` answering `200 ok` ")
        .append("(HTTP and HTTPS), a Netty gRPC server with an echo method and the Pub/Sub `Publisher` service ")
        .append("(plaintext and TLS). Lower times are better. Every ratio compares figures measured in this one run; ")
        .append("the range after a ratio runs from the least to the most favourable pairing of measurement iterations ")
        .append("(of forks, for cold start). ± is JMH's 99.9% confidence half-width, propagated to ratios: with three ")
        .append("iterations it uses Student's t with two degrees of freedom (about 32 standard errors), hence wide.\n\n");
  }

  private static void ratiosTable(StringBuilder md, List<Ratio> ratios) {
    md.append("\n## Ratios\n\n");
    md.append("| Comparison | Ratio (range over iterations) | ± (JMH 99.9%) | Meaning |\n|---|---:|---:|---|\n");
    for (Ratio r : ratios) {
      String err = formatRatioWithError(r);
      md.append("| ").append(r.label()).append(" | ").append(formatRatio(r)).append(" | ")
          .append(err.contains("±") ? "± " + err.substring(err.indexOf('±') + 2) : "").append(" | ")
          .append(r.meaning());
      if (r.label().startsWith("Warm overhead, http: ") && r.measured()) {
        md.append(r.value() <= WARM_TARGET
            ? " — **within target**"
            : String.format(Locale.ROOT, " — **above target by %.1f%%**", (r.value() - WARM_TARGET) * 100));
      }
      md.append(" |\n");
    }
  }

  private static void scoresTable(StringBuilder md, List<Row> rows) {
    md.append("\n## Scores\n\n");
    md.append("| Benchmark | variant | scheme | time / op | ± | connections / op | live threads (mean / peak) | threads started / op | caller CPU / op | bytes allocated / op | JVM CPU / op |\n");
    md.append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Row r : rows) {
      if (r.benchmark().equals(COLD)) {
        continue;
      }
      md.append("| ").append(r.benchmark()).append('.').append(r.method())
          .append(" | ").append(orDash(r.param("variant")))
          .append(" | ").append(orDash(r.param("scheme")))
          .append(" | ").append(fmtTime(r.scoreUs()))
          .append(" | ").append(Double.isNaN(r.errorUs()) ? "" : fmtTime(r.errorUs()))
          .append(" | ").append(fmt(r.connectionsPerOp(), "%.3f"))
          .append(" | ").append(fmt(r.liveThreads(), "%.1f"))
          .append(Double.isNaN(r.liveThreadsMax()) ? "" : String.format(Locale.ROOT, " / %.0f", r.liveThreadsMax()))
          .append(" | ").append(fmt(r.threadsStartedPerOp(), "%.3f"))
          .append(" | ").append(fmtTime(r.callerCpuUsPerOp()))
          .append(" | ").append(fmt(r.allocatedBytesPerOp(), "%.0f"))
          .append(" | ").append(fmtTime(r.cpuUsPerOp()))
          .append(" |\n");
    }
    md.append("\nConnections / op: for HTTP, OkHttp's `connectEnd` event (a listener on the default clients; ")
        .append("FnClients' own `fnclients.connections.opened` counter on its client); for gRPC and Pub/Sub, ")
        .append("connections the server accepted (a transport filter), the same for every variant. Live threads is ")
        .append("`Thread.activeCount()` after each operation (for gRPC and Pub/Sub: when the answer arrived, before a ")
        .append("per-invocation client is torn down), mean and peak over the trial; it includes JMH's threads and the ")
        .append("servers'. Threads started / op: threads the JVM started during the iterations, per operation. Caller CPU / op is the benchmark thread's CPU time (the ")
        .append("client side of each call) per operation. Bytes allocated / op is JMH's `gc.alloc.rate.norm` (`-prof gc`): ")
        .append("what every thread of the JVM allocated per operation, the loopback server's included. JVM CPU / op is the process CPU time over the iteration ")
        .append("(every thread: client, loopback server, GC) divided by operations; with two cores it can ")
        .append("exceed the time per op. `-` where a benchmark does not record a figure.\n");
    md.append("\n![Per-invocation cost](per-invocation.svg)\n");
  }

  private static void coldStartTable(StringBuilder md, List<Row> rows) {
    Row coldFn = find(rows, COLD, "fnclients", null);
    Row coldRaw = find(rows, COLD, "rawOkHttp", null);
    if (coldFn == null && coldRaw == null) {
      return;
    }
    md.append("\n## Cold start\n\n");
    md.append("`ColdStartBenchmark`: JMH single-shot, no warmup, one operation per fork, each client in forks of its own: ")
        .append("the first GET of a fresh JVM, from nothing loaded to the body read (the JVM's own start is the same ")
        .append("for both and not included).\n\n");
    md.append("| client | mean | ± | median | per fork | classes loaded | caller CPU |\n|---|---:|---:|---:|---|---:|---:|\n");
    for (Row r : new Row[] {coldRaw, coldFn}) {
      if (r == null) {
        continue;
      }
      StringBuilder forks = new StringBuilder();
      for (double v : r.rawUs()) {
        forks.append(forks.length() > 0 ? ", " : "").append(String.format(Locale.ROOT, "%.0f", v / 1000));
      }
      md.append("| ").append(r.method().equals("fnclients") ? "`FnClients.http()`" : "`new OkHttpClient()`")
          .append(" | ").append(fmtTime(r.scoreUs()))
          .append(" | ").append(Double.isNaN(r.errorUs()) ? "" : fmtTime(r.errorUs()))
          .append(" | ").append(fmtTime(r.medianUs()))
          .append(" | ").append(forks).append(" ms")
          .append(" | ").append(fmt(r.classesPerOp(), "%.0f"))
          .append(" | ").append(fmtTime(r.callerCpuUsPerOp()))
          .append(" |\n");
    }
  }

  private static void simulationSection(StringBuilder md, Summary simulation) {
    md.append("\n## Platform simulation\n\n");
    PlatformSimulation.Settings s = simulation.settings();
    md.append(String.format(Locale.ROOT,
        "Function instance in a child JVM frozen (SIGSTOP) between invocations; proxy killing connections idle > %d ms "
            + "(RST or silent drop); %d invocations per client, %d of them after a %d ms frozen gap; "
            + "`FNCLIENTS_MAX_IDLE_AGE=%dms`; default clients' timeout %d s. Full tables: [simulation.md](simulation.md).%n%n",
        s.idleLimitMillis(), s.invocations(), s.longGaps(), s.longGapMillis(), s.maxIdleAgeMillis(),
        s.timeoutMillis() / 1000));
    md.append("| protocol | kill mode | client | succeeded | p50 | p99 | max | connections |\n|---|---|---|---:|---:|---:|---:|---:|\n");
    for (Run r : simulation.runs()) {
      md.append("| ").append(r.protocol())
          .append(" | ").append(r.mode() == Mode.RESET ? "RST" : "silent drop")
          .append(" | ").append(clientLabel(r.variant()))
          .append(String.format(Locale.ROOT, " | %d/%d", r.ok(), r.invocations()))
          .append(" | ").append(fmtMillis(r.p50Millis()))
          .append(" | ").append(fmtMillis(r.p99Millis()))
          .append(" | ").append(fmtMillis(r.maxMillis()))
          .append(" | ").append(r.connections())
          .append(" |\n");
    }
    md.append("\n![Platform simulation](simulation.svg)\n");
  }

  /** The ratio, and its range over iterations (or forks) where there is one. */
  static String formatRatio(Ratio r) {
    if (!r.measured()) {
      return "not measured";
    }
    String value = ratioNumber(r.value()) + "x";
    if (Double.isNaN(r.lo()) || Double.isNaN(r.hi())) {
      return value;
    }
    return value + " (range " + ratioNumber(r.lo()) + "–" + ratioNumber(r.hi()) + ")";
  }

  /** As {@link #formatRatio}, with JMH's propagated 99.9% error instead of the range. */
  static String formatRatioWithError(Ratio r) {
    if (!r.measured()) {
      return "not measured";
    }
    String value = ratioNumber(r.value()) + "x";
    if (Double.isNaN(r.error()) || Double.isInfinite(r.error())) {
      return value;
    }
    return value + " ± " + ratioNumber(r.error());
  }

  private static String ratioNumber(double v) {
    return v >= 100
        ? String.format(Locale.ROOT, "%.0f", v)
        : String.format(Locale.ROOT, v >= 10 ? "%.1f" : "%.2f", v);
  }

  private static String orDash(String s) {
    return s == null ? "-" : s;
  }

  private static String fmt(double value, String pattern) {
    return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, pattern, value);
  }

  static String fmtTime(double us) {
    if (Double.isNaN(us)) {
      return "-";
    }
    if (us >= 1_000_000) {
      return String.format(Locale.ROOT, "%.2f s", us / 1_000_000);
    }
    if (us >= 1000) {
      return String.format(Locale.ROOT, "%.2f ms", us / 1000);
    }
    if (us >= 1) {
      return String.format(Locale.ROOT, "%.1f µs", us);
    }
    return String.format(Locale.ROOT, "%.0f ns", us * 1000);
  }

  // ---- SVG ----

  /** One group of bars in the chart: a benchmark, a scheme, and its variants (anti-pattern first). */
  private record Group(String title, String benchmark, String scheme, List<String> variants) {}

  private static final List<Group> GROUPS = List.of(
      new Group("HTTP", PER_INVOCATION, "http", List.of("clientPerInvocation", "defaultShared", "fnclients")),
      new Group("HTTPS", PER_INVOCATION, "https", List.of("clientPerInvocation", "defaultShared", "fnclients")),
      new Group("gRPC unary, plaintext", GRPC, "plaintext", List.of("channelPerInvocation", "defaultShared", "fnclients")),
      new Group("gRPC unary, TLS", GRPC, "tls", List.of("channelPerInvocation", "defaultShared", "fnclients")),
      new Group("Pub/Sub publish and wait", PUBSUB, null, List.of("publisherPerInvocation", "defaultShared", "fnclients")));

  private static final Map<String, String> COLORS = Map.of(
      "clientPerInvocation", "#d62728", "channelPerInvocation", "#d62728", "publisherPerInvocation", "#d62728",
      "defaultShared", "#8c8c8c", "fnclients", "#1f77b4");

  /** A log-scale bar chart of the per-invocation costs, one group of bars per protocol. */
  private static String svg(List<Row> rows) {
    Map<Row, Group> bars = new LinkedHashMap<>();
    for (Group g : GROUPS) {
      for (String variant : g.variants()) {
        Row r = find(rows, g.benchmark(), variant, g.scheme());
        if (r != null && r.scoreUs() > 0) {
          bars.put(r, g);
        }
      }
    }
    int width = 860;
    int left = 200;
    int top = 70;
    int barHeight = 20;
    int height = top + bars.size() * (barHeight + 6) + (int) bars.values().stream().distinct().count() * 26 + 50;
    Svg svg = new Svg(width, height, 13)
        .text(12, 24, "One function invocation making one call (time per invocation, log scale, lower is better)",
            "font-size=16", "font-weight=bold")
        .text(12, 44, "loopback; red: client built per invocation, grey: one default client shared, blue: FnClients; "
            + "×N = times the FnClients figure", "fill=#555555");
    if (bars.isEmpty()) {
      return svg.text(12, 80, "No per-invocation benchmark was in this run.").toString();
    }
    Svg.Scale x = Svg.Scale.log(bars.keySet().stream().mapToDouble(Row::scoreUs).min().orElseThrow(),
        bars.keySet().stream().mapToDouble(Row::scoreUs).max().orElseThrow(), left, width - 190);
    svg.xGrid(x, top - 10, height - 40, us -> fmtTime(us).replace(".00", "").replace(".0", ""));
    int y = top;
    Group current = null;
    for (Map.Entry<Row, Group> bar : bars.entrySet()) {
      Row r = bar.getKey();
      Group g = bar.getValue();
      if (g != current) {
        current = g;
        svg.text(12, y + 12, g.title(), "font-weight=bold");
        y += 20;
      }
      String variant = r.param("variant");
      String label = fmtTime(r.scoreUs());
      Row fn = find(rows, g.benchmark(), "fnclients", g.scheme());
      if (fn != null && !variant.equals("fnclients")) {
        double times = r.scoreUs() / fn.scoreUs();
        label += String.format(Locale.ROOT, times >= 10 ? "  (×%.0f)" : "  (×%.2f)", times);
      }
      double end = x.at(r.scoreUs());
      svg.text(left - 8, y + barHeight - 5, variant, "text-anchor=end")
          .rect(left, y, Math.max(1, end - left), barHeight, "fill=" + COLORS.getOrDefault(variant, "#555555"))
          .text(end + 6, y + barHeight - 5, label);
      y += barHeight + 6;
    }
    return svg.line(left, top - 10, left, height - 40, "stroke=#333333").toString();
  }
}
