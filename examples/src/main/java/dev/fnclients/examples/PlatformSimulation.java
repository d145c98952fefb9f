package dev.fnclients.examples;

import static dev.fnclients.examples.IdleGap.VARIANTS;
import static dev.fnclients.examples.IdleGap.label;
import static java.util.stream.Collectors.joining;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.fnclients.examples.IdleGap.Burst;
import dev.fnclients.examples.IdleGap.Run;
import dev.fnclients.examples.IdleGap.Settings;
import dev.fnclients.testkit.IdleKillingProxy.Mode;
import dev.fnclients.testkit.Svg;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * The platform simulation, which is also the idle-gap demo: {@link IdleGap}'s scenario for HTTP and
 * gRPC, each client kind, across idle gaps in each kill mode, then in bursts. Prints the tables,
 * writes {@code simulation.json}, {@code .md} and {@code .svg}. Options: {@code [--quick] [--out
 * DIR] | --grpc-idle-reset-check GAPS}; the long form: benchmarks/README.md.
 */
public final class PlatformSimulation {
  private static final Gson JSON =
      new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();

  /** Held so that the level sticks: gRPC logs an INFO line about epoll when its server starts. */
  private static final Logger GRPC_LOG = Logger.getLogger("io.grpc");

  private static final String GREY = "fill=#555555";
  private static final Map<String, String> COLORS =
      Map.of("clientPerInvocation", "#d62728", "defaultShared", "#8c8c8c", "fnclients", "#1f77b4");

  private static final String RUNS =
      "protocol | proxy kills idle connections by | client | succeeded | p50 | p99 | max | connections "
          + "opened | writes into a killed connection | client's own retries | failures";
  private static final String RUNS_ALIGN = "---|---|---|---:|---:|---:|---:|---:|---:|---:|---";

  private PlatformSimulation() {}

  /** What {@code simulation.json} holds. */
  public record Summary(Settings settings, long seconds, List<Run> runs, List<Burst> bursts) {}

  public static void main(String[] args) throws Exception {
    GRPC_LOG.setLevel(Level.WARNING);
    List<String> arguments = List.of(args);
    // As the demo (exec:java in the examples build, which sets the property): quick, in target/.
    String demoOut = System.getProperty("fnexample.outputDir");
    Settings settings = Settings.of(demoOut != null || arguments.contains("--quick"));
    Path out =
        Path.of(option(arguments, "--out", demoOut != null ? demoOut : "benchmarks/results"));
    Files.createDirectories(out);
    String resetCheckGaps = option(arguments, "--grpc-idle-reset-check", null);
    if (resetCheckGaps != null) {
      String text = grpcIdleResetCheck(settings, Integer.parseInt(resetCheckGaps));
      Files.writeString(out.resolve("grpc-idle-reset-check.md"), text);
    } else {
      System.out.println("Platform simulation: " + settings);
      Summary summary = simulate(settings);
      String md = markdown(summary);
      Files.writeString(out.resolve("simulation.json"), JSON.toJson(summary));
      Files.writeString(out.resolve("simulation.md"), md);
      Files.writeString(out.resolve("simulation.svg"), svg(settings, summary.runs()));
      System.out.println("\n" + md + "\nWrote simulation.json, .md and .svg to " + out);
    }
    Console.exitIfThreadsLinger();
  }

  /** The value after {@code name}, or {@code fallback}. */
  private static String option(List<String> args, String name, String fallback) {
    int i = args.indexOf(name);
    return i < 0 || i + 1 >= args.size() ? fallback : args.get(i + 1);
  }

  /**
   * Every protocol, kill mode and client kind across idle gaps, then each client kind in bursts:
   * back-to-back invocations with a long gap before every {@code burstSize}-th.
   */
  static Summary simulate(Settings s) throws Exception {
    List<Run> runs = new ArrayList<>();
    List<Burst> bursts = new ArrayList<>();
    long started = System.nanoTime();
    Settings burst = s.with(s.burstSize() * s.bursts(), s.burstSize(), 0);
    for (String protocol : s.protocols()) {
      for (Mode mode : Mode.values()) {
        for (String variant : VARIANTS) {
          runs.add(IdleGap.run(s, protocol, mode, variant));
          progress(row(runs.get(runs.size() - 1)));
        }
      }
      for (String variant : VARIANTS) {
        bursts.add(Burst.of(IdleGap.run(burst, protocol, Mode.RESET, variant)));
        progress(row(bursts.get(bursts.size() - 1)));
      }
    }
    return new Summary(s, (System.nanoTime() - started) / 1_000_000_000L, runs, bursts);
  }

  private static void progress(Object[] row) {
    System.out.println("  " + Stream.of(row).map(String::valueOf).collect(joining(" | ")));
  }

  /**
   * A focused check of FnClients' gRPC idle reset: {@code gaps} frozen long gaps, one call after
   * each, through a proxy that silently drops idle connections. A call that went into the dropped
   * connection stalls until FnClients' default deadline (30 s). Not part of the default run.
   */
  static String grpcIdleResetCheck(Settings base, int gaps) throws Exception {
    Settings s = base.with(gaps + 1, 1, base.shortGapMillis());
    Run run = IdleGap.run(s, "grpc", Mode.DROP, "fnclients");
    List<Long> micros = run.latencyMicros();
    List<Boolean> ok = run.okList();
    String bad =
        IntStream.range(0, run.invocations())
            .filter(i -> !ok.get(i) || micros.get(i) >= 1_000_000)
            .mapToObj(i -> (i + 1) + (ok.get(i) ? "" : " failed") + ": " + ms(micros.get(i) / 1e3))
            .collect(joining("; "));
    StringBuilder md =
        new StringBuilder(
            format(
                "# gRPC idle-reset check%n%n%d invocations, %d of them after frozen gaps of %d ms, proxy silently "
                    + "dropping connections idle > %d ms, FNCLIENTS_MAX_IDLE_AGE=%dms; FnClients' idle discards: %d.%n%n",
                gaps + 1,
                gaps,
                s.longGapMillis(),
                s.idleLimitMillis(),
                s.maxIdleAgeMillis(),
                run.idleDiscards()));
    table(md, RUNS, RUNS_ALIGN, Stream.<Object[]>of(row(run)));
    md.append("\nInvocations stalled (1 s or more) or failed: ")
        .append(bad.isEmpty() ? "none" : bad);
    System.out.println(md);
    return md.append('\n').toString();
  }

  // ---- output ----

  /** The label, FnClients in bold. */
  public static String clientLabel(String variant) {
    return variant.equals("fnclients") ? "**FnClients**" : label(variant);
  }

  private static String protocolLabel(String protocol) {
    return protocol.equals("http") ? "HTTP (OkHttp)" : "gRPC unary";
  }

  /** How the tables name a kill mode. */
  public static String modeLabel(Mode mode) {
    return mode == Mode.RESET ? "RST" : "silent drop";
  }

  /** {@link String#format}, numbers written the same under every default locale. */
  public static String format(String pattern, Object... args) {
    return String.format(Locale.ROOT, pattern, args);
  }

  private static String ms(double millis) {
    return Double.isNaN(millis)
        ? "-"
        : format(
            millis >= 1000 ? "%.2f s" : millis >= 10 ? "%.0f ms" : "%.2f ms",
            millis >= 1000 ? millis / 1000 : millis);
  }

  static String markdown(Summary summary) {
    Settings s = summary.settings();
    StringBuilder md = new StringBuilder();
    md.append(
        format(
            "# Platform simulation%n%nGenerated by `dev.fnclients.examples.PlatformSimulation` in %d s (the scenario in full: "
                + "benchmarks/README.md). A function instance in a child JVM is **frozen with SIGSTOP** for **%d ms** before "
                + "invocation %d and every %d invocations after it, %d ms before the others; its calls go through a proxy that kills connections idle for more "
                + "than **%d ms** (by RST, or by silently swallowing what is sent). FnClients runs with "
                + "`FNCLIENTS_MAX_IDLE_AGE=%dms`; the default clients keep OkHttp's %d s read timeout, which default gRPC calls "
                + "get as their deadline. Each instance makes one uncounted call straight to the server, then %d invocations "
                + "of one call each.%n%n## Invocations across frozen idle gaps%n%n",
            summary.seconds(),
            s.longGapMillis(),
            1 + s.gapEvery(),
            s.gapEvery(),
            s.shortGapMillis(),
            s.idleLimitMillis(),
            s.maxIdleAgeMillis(),
            s.timeoutMillis() / 1000,
            s.invocations()));
    table(md, RUNS, RUNS_ALIGN, summary.runs().stream().map(PlatformSimulation::row));
    md.append(
        format(
            "%nLatency: the function's own time for its call, failed calls included (p99 of %d is the slowest but one at "
                + "most). Connections: counted by the proxy. *Writes into a killed connection*: connections the proxy killed "
                + "because the client wrote to them late (a request, or for gRPC the GOAWAY a channel writes when it closes an "
                + "old connection, as FnClients' idle reset does). *Client's own retries*: OkHttp's silent retries "
                + "(`retryDecision`), FnClients' `fnclients.retries`; a default gRPC channel has no retry policy (`-`).%n%n"
                + "![Latency per invocation](simulation.svg)%n%n## Connections per %,d sequential invocations%n%n"
                + "%d bursts of %d back-to-back invocations, separated by frozen gaps of %d ms (proxy: RST). Target for "
                + "FnClients: at most one connection per burst.%n%n",
            s.invocations(),
            s.burstSize() * s.bursts(),
            s.bursts(),
            s.burstSize(),
            s.longGapMillis()));
    table(
        md,
        "protocol | client | invocations | failed | connections opened | writes into a killed connection | "
            + "client's own retries | live threads after the 1st / last invocation",
        "---|---|---:|---:|---:|---:|---:|---:",
        summary.bursts().stream().map(PlatformSimulation::row));
    return md.toString();
  }

  /** A Markdown table: its header, alignment row, and one row per cell array. */
  public static void table(StringBuilder md, String header, String align, Stream<Object[]> rows) {
    md.append("| ").append(header).append(" |\n|").append(align).append("|\n");
    rows.forEach(
        r -> md.append(Stream.of(r).map(String::valueOf).collect(joining(" | ", "| ", " |\n"))));
  }

  private static Object[] row(Run r) {
    return new Object[] {
      protocolLabel(r.protocol()),
      modeLabel(r.mode()),
      clientLabel(r.variant()),
      format("%d/%d (%.0f%%)", r.ok(), r.invocations(), 100.0 * r.ok() / r.invocations()),
      ms(r.p50Millis()),
      ms(r.p99Millis()),
      ms(r.maxMillis()),
      r.connections(),
      r.killed(),
      r.retries() < 0 ? "-" : r.retries(),
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
      b.retries() < 0 ? "-" : b.retries(),
      b.threadsStart() + " / " + b.threadsEnd()
    };
  }

  // ---- chart ----

  /** Small multiples: a panel per protocol and kill mode, latency per invocation (log scale). */
  static String svg(Settings s, List<Run> runs) {
    int panels = runs.size() / VARIANTS.size(); // the runs come by protocol and mode
    int panelW = 430;
    int panelH = 250;
    int top = 78;
    String title =
        "Frozen instance, proxy killing connections idle > %d ms: latency of each invocation (log scale)";
    String subtitle =
        "shaded: after a %d ms frozen gap; ✕ = failed invocation; FNCLIENTS_MAX_IDLE_AGE=%dms, default timeouts %d s";
    Svg svg =
        new Svg(2 * panelW + 20, top + Math.max(1, (panels + 1) / 2) * panelH + 30, 12)
            .text(12, 22, format(title, s.idleLimitMillis()), "font-size=15", "font-weight=bold")
            .text(
                12,
                40,
                format(subtitle, s.longGapMillis(), s.maxIdleAgeMillis(), s.timeoutMillis() / 1000),
                GREY);
    int lx = 12;
    for (String v : VARIANTS) {
      svg.rect(lx, 50, 14, 10, "fill=" + COLORS.get(v)).text(lx + 18, 59, label(v));
      lx += 30 + label(v).length() * 7;
    }
    for (int p = 0; p < panels; p++) {
      int left = 10 + (p % 2) * panelW + 62;
      List<Run> inPanel = runs.subList(p * VARIANTS.size(), (p + 1) * VARIANTS.size());
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
    double step = (right - left) / (double) n;
    for (int i = 2; i <= n; i++) {
      if (s.longGapBefore(i)) {
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
      String color = COLORS.get(r.variant());
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
