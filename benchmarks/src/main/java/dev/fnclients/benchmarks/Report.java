package dev.fnclients.benchmarks;

import java.io.IOException;
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
 * Turns a JMH JSON result file into {@code summary.md} (scores, secondary figures and the headline
 * ratios) and {@code per-invocation.svg} (a log-scale bar chart of the per-invocation costs).
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.fnclients.benchmarks.Report \
 *     [benchmarks/results/jmh.json] [output directory, default: the JSON file's directory]
 * </pre>
 *
 * <p>Ratios missing from the file (a benchmark or parameter filtered out of the run) are shown as
 * "not measured".
 */
public final class Report {
  private static final String PER_INVOCATION = "PerInvocationBenchmark";
  private static final String WARM = "WarmOverheadBenchmark";
  private static final String NEW_CONNECTION = "NewConnectionBenchmark";
  private static final double WARM_TARGET = 1.05;

  /** One benchmark result, times normalized to microseconds per operation. */
  record Row(
      String benchmark,
      String method,
      Map<String, String> params,
      double scoreUs,
      double errorUs,
      String rawUnit,
      double ops,
      double connectionsOpened,
      double liveThreadSamples,
      double processCpuMicros,
      double callerCpuNanos,
      double callerAllocatedBytes) {

    String param(String name) {
      return params.get(name);
    }

    double connectionsPerOp() {
      return ops > 0 ? connectionsOpened / ops : Double.NaN;
    }

    double liveThreads() {
      return ops > 0 ? liveThreadSamples / ops : Double.NaN;
    }

    /** CPU time of the benchmark thread (the client side of a call) per operation, in microseconds. */
    double callerCpuUsPerOp() {
      return ops > 0 && callerCpuNanos > 0 ? callerCpuNanos / 1000 / ops : Double.NaN;
    }

    /** Bytes the benchmark thread (the client side) allocated per operation. */
    double callerBytesPerOp() {
      return ops > 0 && callerAllocatedBytes > 0 ? callerAllocatedBytes / ops : Double.NaN;
    }

    /** CPU time of the whole JVM (client, server, GC) per operation, in microseconds. */
    double cpuUsPerOp() {
      return ops > 0 && processCpuMicros > 0 ? processCpuMicros / ops : Double.NaN;
    }
  }

  /** A ratio of two scores with its propagated (approximate) error. */
  record Ratio(String label, String meaning, double value, double error, boolean measured) {}

  private Report() {}

  public static void main(String[] args) throws IOException {
    Path json = Path.of(args.length > 0 ? args[0] : defaultJson());
    Path outDir = args.length > 1 ? Path.of(args[1]) : json.toAbsolutePath().getParent();
    String text = Files.readString(json, StandardCharsets.UTF_8);
    List<Object> results = asList(MiniJson.parse(text));
    List<Row> rows = new ArrayList<>();
    for (Object result : results) {
      rows.add(toRow(asMap(result)));
    }
    Map<String, Object> first = results.isEmpty() ? Map.of() : asMap(results.get(0));

    Files.createDirectories(outDir);
    Path summary = outDir.resolve("summary.md");
    Path svg = outDir.resolve("per-invocation.svg");
    List<Ratio> ratios = ratios(rows);
    Files.writeString(summary, markdown(json, first, rows, ratios), StandardCharsets.UTF_8);
    Files.writeString(svg, svg(rows), StandardCharsets.UTF_8);

    System.out.println("Wrote " + summary + " and " + svg);
    for (Ratio r : ratios) {
      System.out.printf(Locale.ROOT, "  %-58s %s%n", r.label(), formatRatio(r));
    }
  }

  private static String defaultJson() {
    Path fromRoot = Path.of("benchmarks", "results", "jmh.json");
    return Files.exists(fromRoot) ? fromRoot.toString() : Path.of("results", "jmh.json").toString();
  }

  // ---- reading ----

  private static Row toRow(Map<String, Object> result) {
    String fqn = (String) result.get("benchmark");
    int lastDot = fqn.lastIndexOf('.');
    String method = fqn.substring(lastDot + 1);
    String className = fqn.substring(0, lastDot);
    String simpleClass = className.substring(className.lastIndexOf('.') + 1);

    Map<String, String> params = new LinkedHashMap<>();
    Object p = result.get("params");
    if (p != null) {
      asMap(p).forEach((k, v) -> params.put(k, String.valueOf(v)));
    }
    Map<String, Object> primary = asMap(result.get("primaryMetric"));
    String unit = (String) primary.get("scoreUnit");
    double toUs = microsPer(unit);
    double score = MiniJson.number(primary.get("score")) * toUs;
    double error = MiniJson.number(primary.get("scoreError")) * toUs;

    Map<String, Object> secondary = result.get("secondaryMetrics") == null
        ? Map.of() : asMap(result.get("secondaryMetrics"));
    return new Row(simpleClass, method, params, score, error, unit,
        secondaryScore(secondary, "ops"),
        secondaryScore(secondary, "connectionsOpened"),
        secondaryScore(secondary, "liveThreadSamples"),
        secondaryScore(secondary, "processCpuMicros"),
        secondaryScore(secondary, "callerCpuNanos"),
        secondaryScore(secondary, "callerAllocatedBytes"));
  }

  private static double secondaryScore(Map<String, Object> secondary, String name) {
    Object metric = secondary.get(name);
    return metric == null ? Double.NaN : MiniJson.number(asMap(metric).get("score"));
  }

  /** Microseconds in one unit of a JMH average-time unit such as {@code ms/op}. */
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
            "unsupported unit " + unit + "; run the benchmarks in AverageTime mode (the default)");
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asMap(Object o) {
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> asList(Object o) {
    return (List<Object>) o;
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
    return new Ratio(label, meaning, value, error, true);
  }

  private static double square(double x) {
    return x * x;
  }

  static List<Ratio> ratios(List<Row> rows) {
    List<Ratio> ratios = new ArrayList<>();
    for (String scheme : List.of("http", "https")) {
      ratios.add(ratio(
          "Per invocation, " + scheme + ": clientPerInvocation / fnclients",
          "how many times more a client built per invocation costs than the shared FnClients client",
          find(rows, PER_INVOCATION, "clientPerInvocation", scheme),
          find(rows, PER_INVOCATION, "fnclients", scheme)));
    }
    for (String scheme : List.of("http", "https")) {
      ratios.add(ratio(
          "Per invocation, " + scheme + ": defaultShared / fnclients",
          "a shared default client vs FnClients on a warm connection (about 1 expected)",
          find(rows, PER_INVOCATION, "defaultShared", scheme),
          find(rows, PER_INVOCATION, "fnclients", scheme)));
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
    ratios.add(ratio(
        "Warm overhead, http: fnclients / raw",
        "FnClients' interceptors and listeners over a raw OkHttp client with the same settings (target <= "
            + WARM_TARGET + ")",
        find(rows, WARM, "fnclients", null),
        find(rows, WARM, "raw", null)));
    Row warmFn = find(rows, WARM, "fnclients", null);
    Row warmRaw = find(rows, WARM, "raw", null);
    boolean callerMeasured = warmFn != null && warmRaw != null
        && !Double.isNaN(warmFn.callerCpuUsPerOp()) && !Double.isNaN(warmRaw.callerCpuUsPerOp());
    ratios.add(new Ratio(
        "Warm overhead, http, caller-thread CPU per request: fnclients / raw",
        "the client side's own CPU time per request (OkHttp runs a synchronous call on the caller's "
            + "thread): FnClients' added work without the server's share or time spent waiting",
        callerMeasured ? warmFn.callerCpuUsPerOp() / warmRaw.callerCpuUsPerOp() : Double.NaN, Double.NaN,
        callerMeasured));
    boolean allocMeasured = warmFn != null && warmRaw != null
        && !Double.isNaN(warmFn.callerBytesPerOp()) && !Double.isNaN(warmRaw.callerBytesPerOp());
    ratios.add(new Ratio(
        "Warm overhead, http, caller-thread bytes allocated per request: fnclients / raw",
        allocMeasured
            ? String.format(Locale.ROOT, "%.0f B vs %.0f B per request; independent of machine load",
                warmFn.callerBytesPerOp(), warmRaw.callerBytesPerOp())
            : "client-side allocation per request; independent of machine load",
        allocMeasured ? warmFn.callerBytesPerOp() / warmRaw.callerBytesPerOp() : Double.NaN, Double.NaN,
        allocMeasured));
    boolean cpuMeasured = warmFn != null && warmRaw != null
        && !Double.isNaN(warmFn.cpuUsPerOp()) && !Double.isNaN(warmRaw.cpuUsPerOp());
    ratios.add(new Ratio(
        "Warm overhead, http, JVM CPU time per request: fnclients / raw",
        "the same comparison in CPU time of the whole JVM per request (client, in-process server, GC); "
            + "steadier than wall time on a busy machine, diluted by the server's share",
        cpuMeasured ? warmFn.cpuUsPerOp() / warmRaw.cpuUsPerOp() : Double.NaN, Double.NaN, cpuMeasured));
    return ratios;
  }

  // ---- markdown ----

  private static String markdown(Path json, Map<String, Object> first, List<Row> rows, List<Ratio> ratios) {
    StringBuilder md = new StringBuilder();
    md.append("# FnClients benchmarks: summary\n\n");
    md.append("Generated by `dev.fnclients.benchmarks.Report` from `").append(json.getFileName()).append("`");
    if (!first.isEmpty()) {
      md.append(String.format(Locale.ROOT, " (JMH %s, JDK %s, %s; %s warmup × %s, %s measurement × %s, %s fork(s)).",
          first.get("jmhVersion"), first.get("jdkVersion"), first.get("vmName"),
          fmtInt(first.get("warmupIterations")), first.get("warmupTime"),
          fmtInt(first.get("measurementIterations")), first.get("measurementTime"),
          fmtInt(first.get("forks"))));
      md.append("\n");
    }
    md.append("\nAll clients call a loopback server (JDK `com.sun.net.httpserver`, 127.0.0.1) answering `200 ok`.")
        .append(" Lower times are better. ± is JMH's 99.9% confidence half-width (blank with a single iteration).\n\n");

    md.append("## Ratios\n\n");
    md.append("| Comparison | Ratio | Meaning |\n|---|---:|---|\n");
    for (Ratio r : ratios) {
      md.append("| ").append(r.label()).append(" | ").append(formatRatio(r)).append(" | ")
          .append(r.meaning());
      if (r.label().startsWith("Warm overhead, http: ") && r.measured()) {
        md.append(r.value() <= WARM_TARGET
            ? " — **within target**"
            : String.format(Locale.ROOT, " — **above target by %.1f%%**", (r.value() - WARM_TARGET) * 100));
      }
      md.append(" |\n");
    }

    md.append("\n## Scores\n\n");
    md.append("| Benchmark | variant | scheme | time / op | ± | connections / op | live threads | caller CPU / op | caller bytes / op | JVM CPU / op |\n");
    md.append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Row r : rows) {
      md.append("| ").append(r.benchmark()).append('.').append(r.method())
          .append(" | ").append(orDash(r.param("variant")))
          .append(" | ").append(orDash(r.param("scheme")))
          .append(" | ").append(fmtTime(r.scoreUs()))
          .append(" | ").append(Double.isNaN(r.errorUs()) ? "" : fmtTime(r.errorUs()))
          .append(" | ").append(fmt(r.connectionsPerOp(), "%.3f"))
          .append(" | ").append(fmt(r.liveThreads(), "%.1f"))
          .append(" | ").append(fmtTime(r.callerCpuUsPerOp()))
          .append(" | ").append(fmt(r.callerBytesPerOp(), "%.0f"))
          .append(" | ").append(fmtTime(r.cpuUsPerOp()))
          .append(" |\n");
    }
    md.append("\nConnections / op counts OkHttp's `connectEnd` event (a listener on the default clients; ")
        .append("FnClients' own `fnclients.connections.opened` counter on its client). Live threads is ")
        .append("`Thread.activeCount()` after each operation, averaged; it includes JMH's threads and the ")
        .append("server's four handler threads. Caller CPU / op is the benchmark thread's CPU time (the ")
        .append("client side of each call) per operation, caller bytes / op what that thread allocated. JVM CPU / op is the process CPU time over the iteration ")
        .append("(every thread: client, loopback server, GC) divided by operations; with two cores it can ")
        .append("exceed the time per op. `-` where a benchmark does not record a figure.\n");
    md.append("\n![Per-invocation cost](per-invocation.svg)\n");
    return md.toString();
  }

  private static String formatRatio(Ratio r) {
    if (!r.measured()) {
      return "not measured";
    }
    String value = r.value() >= 100
        ? String.format(Locale.ROOT, "%.0fx", r.value())
        : String.format(Locale.ROOT, r.value() >= 10 ? "%.1fx" : "%.3fx", r.value());
    if (Double.isNaN(r.error()) || Double.isInfinite(r.error())) {
      return value;
    }
    String err = r.value() >= 100
        ? String.format(Locale.ROOT, "%.0f", r.error())
        : String.format(Locale.ROOT, r.value() >= 10 ? "%.1f" : "%.3f", r.error());
    return value + " ± " + err;
  }

  private static String fmtInt(Object o) {
    double d = MiniJson.number(o);
    return Double.isNaN(d) ? String.valueOf(o) : String.valueOf((long) d);
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
    if (us >= 1000) {
      return String.format(Locale.ROOT, "%.2f ms", us / 1000);
    }
    if (us >= 1) {
      return String.format(Locale.ROOT, "%.1f µs", us);
    }
    return String.format(Locale.ROOT, "%.0f ns", us * 1000);
  }

  // ---- SVG ----

  private static String svg(List<Row> rows) {
    List<String> variants = List.of("clientPerInvocation", "defaultShared", "fnclients");
    Map<String, String> colors = Map.of(
        "clientPerInvocation", "#d62728", "defaultShared", "#8c8c8c", "fnclients", "#1f77b4");
    List<Row> bars = new ArrayList<>();
    List<String> schemes = new ArrayList<>();
    for (String scheme : List.of("http", "https")) {
      for (String variant : variants) {
        Row r = find(rows, PER_INVOCATION, variant, scheme);
        if (r != null && r.scoreUs() > 0) {
          bars.add(r);
          if (!schemes.contains(scheme)) {
            schemes.add(scheme);
          }
        }
      }
    }
    int width = 820;
    int left = 190;
    int right = 120;
    int top = 56;
    int barHeight = 22;
    int gap = 8;
    int groupGap = 26;
    int plotWidth = width - left - right;
    int height = top + bars.size() * (barHeight + gap) + schemes.size() * groupGap + 50;

    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
            + "font-family=\"Helvetica, Arial, sans-serif\" font-size=\"13\">%n",
        width, height, width, height));
    s.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>%n", width, height));
    s.append(String.format(Locale.ROOT,
        "<text x=\"%d\" y=\"24\" font-size=\"16\" font-weight=\"bold\">One invocation making one GET "
            + "(time per invocation, log scale, lower is better)</text>%n", 12));
    if (bars.isEmpty()) {
      s.append("<text x=\"12\" y=\"60\">PerInvocationBenchmark was not in this run.</text>\n</svg>\n");
      return s.toString();
    }
    double min = bars.stream().mapToDouble(Row::scoreUs).min().orElse(1);
    double max = bars.stream().mapToDouble(Row::scoreUs).max().orElse(10);
    int lo = (int) Math.floor(Math.log10(min));
    int hi = (int) Math.ceil(Math.log10(max));
    if (hi == lo) {
      hi++;
    }
    final int decadeLo = lo;
    final int decades = hi - lo;
    java.util.function.DoubleUnaryOperator x =
        us -> left + plotWidth * (Math.log10(us) - decadeLo) / decades;

    int axisBottom = height - 40;
    for (int d = lo; d <= hi; d++) {
      double gx = x.applyAsDouble(Math.pow(10, d));
      s.append(String.format(Locale.ROOT,
          "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#dddddd\"/>%n", gx, top - 10, gx, axisBottom));
      s.append(String.format(Locale.ROOT,
          "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555555\">%s</text>%n",
          gx, axisBottom + 18, xml(fmtTime(Math.pow(10, d)).replace(".00", "").replace(".0", ""))));
    }

    int y = top;
    String currentScheme = null;
    for (Row r : bars) {
      String scheme = r.param("scheme");
      if (!scheme.equals(currentScheme)) {
        currentScheme = scheme;
        s.append(String.format(Locale.ROOT,
            "<text x=\"12\" y=\"%d\" font-weight=\"bold\">%s</text>%n", y + 12, xml(scheme.toUpperCase(Locale.ROOT))));
        y += groupGap - 6;
      }
      String variant = r.param("variant");
      double barEnd = x.applyAsDouble(r.scoreUs());
      s.append(String.format(Locale.ROOT,
          "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n", left - 8, y + barHeight - 6, xml(variant)));
      s.append(String.format(Locale.ROOT,
          "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>%n",
          left, y, Math.max(1, barEnd - left), barHeight, colors.getOrDefault(variant, "#555555")));
      s.append(String.format(Locale.ROOT,
          "<text x=\"%.1f\" y=\"%d\">%s</text>%n", barEnd + 6, y + barHeight - 6, xml(fmtTime(r.scoreUs()))));
      y += barHeight + gap;
    }
    s.append(String.format(Locale.ROOT,
        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333333\"/>%n", left, top - 10, left, axisBottom));
    s.append("</svg>\n");
    return s.toString();
  }

  private static String xml(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
