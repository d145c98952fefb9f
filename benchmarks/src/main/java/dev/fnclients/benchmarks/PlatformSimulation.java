package dev.fnclients.benchmarks;

import static dev.fnclients.examples.IdleGap.counted;
import static dev.fnclients.examples.IdleGap.label;
import static dev.fnclients.examples.IdleGapInstance.VARIANTS;
import static java.util.stream.Collectors.joining;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.fnclients.examples.IdleGap;
import dev.fnclients.examples.IdleGap.Burst;
import dev.fnclients.examples.IdleGap.Upstream;
import dev.fnclients.testkit.IdleKillingProxy.Mode;
import dev.fnclients.testkit.Svg;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * The platform simulation on the idle-gap harness ({@link IdleGap}), for HTTP (OkHttp) and gRPC,
 * each for a client per invocation, a default shared client and FnClients: (1) idle gaps, in each
 * kill mode, with success, latency and connections per client; (2) connections per 1,000
 * invocations, in bursts separated by frozen gaps (FnClients: at most 1 + gaps), with the live
 * threads after the first and the last. FnClients runs with {@code FNCLIENTS_MAX_IDLE_AGE} below
 * the proxy's idle limit, as its platform defaults sit below the platforms' windows; the default
 * clients keep OkHttp's 10 s read timeout, and default gRPC calls get the same as a deadline.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.fnclients.benchmarks.PlatformSimulation \
 *     [--quick] [--out benchmarks/results] [--invocations 20] [--timeout 10s]
 *     | --grpc-idle-reset-check GAPS
 * </pre>
 *
 * <p>Writes {@code simulation.json}, {@code simulation.md} and {@code simulation.svg}.
 */
public final class PlatformSimulation {
  private static final Gson JSON =
      new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();

  /** Held so that the level sticks: gRPC logs an INFO line about epoll when its server starts. */
  private static final Logger GRPC_LOG = Logger.getLogger("io.grpc");

  private static final String GREY = "fill=#555555";

  private PlatformSimulation() {}

  /** What to run; times in milliseconds, named as in {@code simulation.json}. */
  record Settings(
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

    /** The defaults or the {@code --quick} ones, with the invocations and timeout given, if any. */
    static Settings of(boolean quick, String invocations, String timeout) {
      return new Settings(
          1000,
          1300,
          100,
          500,
          timeout != null ? parseMillis(timeout) : quick ? 3_000 : 10_000,
          invocations != null ? Integer.parseInt(invocations) : quick ? 12 : 20,
          4,
          quick ? 50 : 250,
          4,
          List.of("http", "grpc"));
    }

    int longGaps() {
      return harness().longGaps();
    }

    /** The idle-gap scenario's harness settings: one GET (or one gRPC call) per invocation. */
    IdleGap.Settings harness() {
      return harness(invocations, gapEvery, shortGapMillis);
    }

    /** {@code n} invocations, a long gap after every {@code gapEvery}, short gaps between. */
    IdleGap.Settings harness(int n, int gapEvery, long shortGapMillis) {
      return new IdleGap.Settings(
          Duration.ofMillis(idleLimitMillis),
          Duration.ofMillis(longGapMillis),
          Duration.ofMillis(shortGapMillis),
          n,
          gapEvery,
          Duration.ofMillis(timeoutMillis),
          List.of("GET"),
          Map.of("FNCLIENTS_MAX_IDLE_AGE", maxIdleAgeMillis + "ms"),
          null);
    }
  }

  /** What {@code simulation.json} holds; {@link Report} reads it back. */
  record Summary(Settings settings, long seconds, List<Run> runs, List<Burst> bursts) {}

  /**
   * One client variant in the idle-gap scenario (latencies in microseconds, one per invocation).
   */
  record Run(
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
      Map<String, Integer> errors) {

    static Run of(IdleGap.Run r) {
      return new Run(
          r.protocol(),
          r.mode(),
          r.variant(),
          r.ok().size(),
          r.succeeded(),
          r.percentileMillis(50),
          r.percentileMillis(99),
          r.percentileMillis(100),
          r.connections(),
          r.killed(),
          r.stat("retries"),
          r.stat("idleEvictions"),
          r.threadsStart(),
          r.threadsEnd(),
          r.startToReadyMillis(),
          r.latencyMicros(),
          r.ok(),
          r.longGapBefore(),
          r.errors());
    }
  }

  public static void main(String[] args) throws Exception {
    GRPC_LOG.setLevel(Level.WARNING);
    List<String> arguments = List.of(args);
    Settings settings =
        Settings.of(
            arguments.contains("--quick"),
            option(arguments, "--invocations"),
            option(arguments, "--timeout"));
    Path out =
        Path.of(Objects.requireNonNullElse(option(arguments, "--out"), "benchmarks/results"));
    Files.createDirectories(out);
    String resetCheckGaps = option(arguments, "--grpc-idle-reset-check");
    if (resetCheckGaps != null) {
      write(
          out,
          "grpc-idle-reset-check.md",
          grpcIdleResetCheck(settings, Integer.parseInt(resetCheckGaps)));
      return;
    }
    System.out.println("Platform simulation: " + settings);
    Summary summary = simulate(settings);
    write(out, "simulation.json", JSON.toJson(summary));
    write(
        out,
        "simulation.md",
        markdown(settings, summary.runs(), summary.bursts(), summary.seconds()));
    write(out, "simulation.svg", svg(settings, summary.runs()));
    System.out.println(
        "Wrote simulation.json, .md and .svg to " + out + " in " + summary.seconds() + " s");
  }

  private static void write(Path dir, String name, String text) throws IOException {
    Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
  }

  /**
   * Every protocol, kill mode and client kind across idle gaps, then each client kind in bursts:
   * back-to-back invocations (no short gaps) with a long gap before every {@code burstSize}-th.
   * Each result is printed as its row of {@code simulation.md} as it comes.
   */
  static Summary simulate(Settings settings) throws Exception {
    List<Run> runs = new ArrayList<>();
    List<Burst> bursts = new ArrayList<>();
    IdleGap.Settings burstSettings =
        settings.harness(settings.burstSize() * settings.bursts(), settings.burstSize(), 0);
    long started = System.nanoTime();
    for (String protocol : settings.protocols()) {
      try (Upstream upstream = Upstream.start(protocol)) {
        for (Mode mode : List.of(Mode.RESET, Mode.DROP)) {
          for (String variant : VARIANTS) {
            runs.add(Run.of(IdleGap.run(settings.harness(), mode, variant, upstream)));
            progress(row(runs.get(runs.size() - 1)));
          }
        }
        for (String variant : VARIANTS) {
          bursts.add(Burst.of(IdleGap.run(burstSettings, Mode.RESET, variant, upstream)));
          progress(row(bursts.get(bursts.size() - 1)));
        }
      }
    }
    return new Summary(settings, (System.nanoTime() - started) / 1_000_000_000L, runs, bursts);
  }

  private static void progress(Object[] row) {
    System.out.println("  " + Stream.of(row).map(String::valueOf).collect(joining(" | ")));
  }

  /**
   * A focused check of FnClients' gRPC idle reset: one FnClients instance, {@code gaps} frozen long
   * gaps, one call after each, through a proxy that silently drops idle connections. Every call
   * should succeed at once on a new connection; a call that went into the dropped connection shows
   * as a stall until FnClients' default deadline (30 s) and fails. Not part of the default run.
   */
  static String grpcIdleResetCheck(Settings base, int gaps) throws Exception {
    IdleGap.Settings s = base.harness(gaps + 1, 1, base.shortGapMillis());
    System.out.printf(
        Locale.ROOT,
        "gRPC idle-reset check: FnClients, %d frozen gaps of %d ms, proxy drops connections idle > %d ms%n",
        gaps,
        s.longGap().toMillis(),
        s.idleLimit().toMillis());
    Run run;
    try (Upstream upstream = Upstream.start("grpc")) {
      run = Run.of(IdleGap.run(s, Mode.DROP, "fnclients", upstream));
    }
    String bad =
        IntStream.range(0, run.invocations())
            .filter(i -> !run.okList().get(i) || run.latencyMicros().get(i) >= 1_000_000)
            .mapToObj(
                i ->
                    String.format(
                        Locale.ROOT,
                        "invocation %d: %s after %s",
                        i + 1,
                        run.okList().get(i) ? "ok" : "FAILED",
                        ms(run.latencyMicros().get(i) / 1000.0)))
            .collect(joining("; "));
    String text =
        String.format(
            Locale.ROOT,
            "# gRPC idle-reset check%n%nFnClients.grpc, %d invocations, %d of them after frozen gaps of %d ms, proxy silently "
                + "dropping connections idle > %d ms, FNCLIENTS_MAX_IDLE_AGE=%dms.%n%n"
                + "- succeeded: %d/%d%n- p50 %s, max %s%n- connections opened: %d%n- idle discards (FnClients): %d; retries: %d%n"
                + "- stalled or failed invocations: %s%n",
            gaps + 1,
            gaps,
            s.longGap().toMillis(),
            s.idleLimit().toMillis(),
            base.maxIdleAgeMillis(),
            run.ok(),
            run.invocations(),
            ms(run.p50Millis()),
            ms(run.maxMillis()),
            run.connections(),
            run.idleDiscards(),
            run.retries(),
            bad.isEmpty() ? "none" : bad);
    System.out.print(text);
    return text;
  }

  /** The value after {@code name}, or null. */
  private static String option(List<String> args, String name) {
    int i = args.indexOf(name);
    return i < 0 || i + 1 >= args.size() ? null : args.get(i + 1);
  }

  /** {@code 500ms}, {@code 10s} or {@code 1.5s}; a bare number is milliseconds. */
  static long parseMillis(String text) {
    String s = text.trim().toLowerCase(Locale.ROOT);
    return s.endsWith("ms") || !s.endsWith("s")
        ? Long.parseLong(s.replace("ms", ""))
        : Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 1000);
  }

  // ---- output ----

  /** The label, FnClients in bold. */
  static String clientLabel(String variant) {
    return variant.equals("fnclients") ? "**FnClients**" : label(variant);
  }

  private static String protocolLabel(String protocol) {
    return protocol.equals("http") ? "HTTP (OkHttp)" : "gRPC unary";
  }

  private static String modeLabel(Mode mode) {
    return mode == Mode.RESET ? "RST" : "silent drop";
  }

  private static String ms(double millis) {
    return Double.isNaN(millis)
        ? "-"
        : String.format(
            Locale.ROOT,
            millis >= 1000 ? "%.2f s" : millis >= 10 ? "%.0f ms" : "%.2f ms",
            millis >= 1000 ? millis / 1000 : millis);
  }

  static String markdown(Settings s, List<Run> runs, List<Burst> bursts, long seconds) {
    StringBuilder md =
        new StringBuilder("# Platform simulation\n\n")
            .append(
                String.format(
                    Locale.ROOT,
                    "Generated by `dev.fnclients.benchmarks.PlatformSimulation` (%d s). A function instance runs in a child JVM "
                        + "that is **frozen with SIGSTOP** between invocations; its calls go through a loopback proxy that kills "
                        + "connections idle for more than **%d ms** (by RST, or by silently swallowing what is sent). Before "
                        + "invocations %s the instance stays frozen **%d ms**, before the others %d ms. "
                        + "FnClients runs with `FNCLIENTS_MAX_IDLE_AGE=%dms` (below the proxy's limit, as its platform defaults sit "
                        + "below the platforms' windows); the default clients keep OkHttp's default %d s read timeout, and the "
                        + "default gRPC calls get a %d s deadline (a default channel has none: without it the silent-drop calls "
                        + "would hang until TCP gives up). Each instance first makes one call straight to the server (cold start "
                        + "is measured separately), then %d invocations, one call each. Connections are counted by the proxy "
                        + "(what the server sees).%n%n## Invocations across frozen idle gaps%n%n",
                    seconds,
                    s.idleLimitMillis(),
                    s.harness().longGapsBefore(),
                    s.longGapMillis(),
                    s.shortGapMillis(),
                    s.maxIdleAgeMillis(),
                    s.timeoutMillis() / 1000,
                    s.timeoutMillis() / 1000,
                    s.invocations()));
    Report.table(
        md,
        "protocol | proxy kills idle connections by | client | succeeded | p50 | p99 | max | connections "
            + "opened | writes into a killed connection | client's own retries | failures",
        "---|---|---|---:|---:|---:|---:|---:|---:|---:|---",
        runs.stream().map(PlatformSimulation::row).toList());
    md.append(
        String.format(
            Locale.ROOT,
            "%nLatency is the function's own time for its call (one call per invocation; a failed call counts with "
                + "the time it took to fail). With %d invocations p99 is the slowest but one at most. %d of the gaps "
                + "are longer than the proxy's limit.%n%n"
                + "*Writes into a killed connection* counts connections the proxy killed because the client wrote to "
                + "them after the idle limit: a request sent into a dead connection, or, for gRPC, the GOAWAY frame a "
                + "channel writes when it closes an old connection (as FnClients' idle reset does). *Client's own retries* are OkHttp's silent retries "
                + "(`retryDecision` events) for the default clients, FnClients' `fnclients.retries` counter for "
                + "FnClients; a default gRPC channel has no retry policy (`-`).%n%n![Latency per invocation](simulation.svg)%n%n"
                + "## Connections per %,d sequential invocations%n%n"
                + "%d bursts of %d back-to-back invocations, separated by %d frozen gaps of %d ms (proxy: RST). "
                + "Target for FnClients: at most 1 + %d = %d connections.%n%n",
            s.invocations(),
            s.longGaps(),
            s.burstSize() * s.bursts(),
            s.bursts(),
            s.burstSize(),
            s.bursts() - 1,
            s.longGapMillis(),
            s.bursts() - 1,
            s.bursts()));
    Report.table(
        md,
        "protocol | client | invocations | failed | connections opened | writes into a killed connection | "
            + "client's own retries | live threads after the 1st / last invocation",
        "---|---|---:|---:|---:|---:|---:|---:",
        bursts.stream().map(PlatformSimulation::row).toList());
    return md.toString();
  }

  private static Object[] row(Run r) {
    return new Object[] {
      protocolLabel(r.protocol()),
      modeLabel(r.mode()),
      clientLabel(r.variant()),
      String.format(
          Locale.ROOT,
          "%d/%d (%.0f%%)",
          r.ok(),
          r.invocations(),
          100.0 * r.ok() / Math.max(1, r.invocations())),
      ms(r.p50Millis()),
      ms(r.p99Millis()),
      ms(r.maxMillis()),
      r.connections(),
      r.killed(),
      counted(r.retries()),
      r.errors().entrySet().stream()
          .map(e -> e.getValue() + "× `" + e.getKey().replace("|", "\\|").replace("`", "'") + "`")
          .collect(joining("; "))
    };
  }

  private static Object[] row(Burst b) {
    return new Object[] {
      protocolLabel(b.protocol()),
      clientLabel(b.variant()),
      b.invocations(),
      b.failed(),
      b.connections(),
      b.killed(),
      counted(b.retries()),
      b.threadsStart() + " / " + b.threadsEnd()
    };
  }

  // ---- chart ----

  static final Map<String, String> COLORS =
      Map.of("clientPerInvocation", "#d62728", "defaultShared", "#8c8c8c", "fnclients", "#1f77b4");

  /**
   * Small multiples: one panel per protocol and kill mode, latency per invocation on a log scale.
   */
  static String svg(Settings s, List<Run> runs) {
    List<String> panels = runs.stream().map(r -> r.protocol() + " " + r.mode()).distinct().toList();
    int panelW = 430;
    int panelH = 250;
    int top = 78;
    Svg svg =
        new Svg(2 * panelW + 20, top + Math.max(1, (panels.size() + 1) / 2) * panelH + 30, 12)
            .text(
                12,
                22,
                "Frozen instance, proxy killing connections idle > "
                    + s.idleLimitMillis()
                    + " ms: latency of each invocation (log scale)",
                "font-size=15",
                "font-weight=bold")
            .text(
                12,
                40,
                String.format(
                    Locale.ROOT,
                    "shaded: after a %d ms frozen gap; ✕ = failed invocation; "
                        + "FNCLIENTS_MAX_IDLE_AGE=%dms, default timeouts %d s",
                    s.longGapMillis(),
                    s.maxIdleAgeMillis(),
                    s.timeoutMillis() / 1000),
                "fill=#555555");
    int lx = 12;
    for (String v : VARIANTS) {
      svg.rect(lx, 50, 14, 10, "fill=" + COLORS.get(v)).text(lx + 18, 59, label(v));
      lx += 30 + label(v).length() * 7;
    }
    for (int p = 0; p < panels.size(); p++) {
      int left = 10 + (p % 2) * panelW + 62;
      String key = panels.get(p);
      List<Run> inPanel =
          runs.stream().filter(r -> (r.protocol() + " " + r.mode()).equals(key)).toList();
      panel(svg, s, inPanel, left, left + panelW - 78, top + (p / 2) * panelH);
    }
    return svg.toString();
  }

  /** One protocol and mode: a line per client, a dot per invocation, a cross where it failed. */
  private static void panel(Svg svg, Settings s, List<Run> runs, int left, int right, int top) {
    int plotTop = top + 24;
    int plotBottom = top + 210;
    Run first = runs.get(0);
    svg.text(
        left,
        top + 14,
        protocolLabel(first.protocol()) + ", " + modeLabel(first.mode()),
        "font-weight=bold");
    int n = s.invocations();
    double step = (right - left) / (double) Math.max(1, n);
    for (int i = 2; i <= n; i++) {
      if (s.harness().longGapBefore(i)) {
        svg.rect(left + (i - 1) * step, plotTop, step, plotBottom - plotTop, "fill=#f3e6c4");
      }
    }
    Svg.Scale y = Svg.Scale.log(0.1, Math.max(1000, s.timeoutMillis() * 1.5), plotBottom, plotTop);
    svg.yGrid(y, left, right, ms -> ms(ms).replace(".00", ""))
        .line(left, plotBottom, right, plotBottom, "stroke=#333333")
        .line(left, plotTop, left, plotBottom, "stroke=#333333")
        .text((left + right) / 2.0, plotBottom + 28, "invocation", "text-anchor=middle", GREY);
    for (int i = 1; i <= n; i += Math.max(1, n / 10)) {
      svg.text(left + (i - 0.5) * step, plotBottom + 14, "" + i, "text-anchor=middle", GREY);
    }
    for (int v = 0; v < runs.size(); v++) {
      Run r = runs.get(v);
      String color = COLORS.getOrDefault(r.variant(), "#555555");
      double x0 = left + (v - 1) * Math.min(4, step / 5) + 0.5 * step;
      List<double[]> points =
          IntStream.range(0, r.latencyMicros().size())
              .mapToObj(
                  i ->
                      new double[] {
                        x0 + i * step, y.at(Math.max(0.1, r.latencyMicros().get(i) / 1000.0))
                      })
              .toList();
      svg.polyline(points, "stroke=" + color, "stroke-width=1.5", "stroke-opacity=0.8");
      for (int i = 0; i < points.size(); i++) {
        double[] p = points.get(i);
        if (r.okList().get(i)) {
          svg.circle(p[0], p[1], 2.6, "fill=" + color);
        } else {
          svg.cross(p[0], p[1], 4, "stroke=" + color, "stroke-width=2.2");
        }
      }
    }
  }
}
