package dev.fnclients.examples;

import static dev.fnclients.examples.Console.OUT;
import static dev.fnclients.examples.IdleGap.counted;

import dev.fnclients.examples.IdleGap.Run;
import dev.fnclients.testkit.IdleKillingProxy.Mode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Shows what an idle gap between invocations does to three ways of holding an HTTP client: a
 * function instance in a child JVM, frozen between invocations as the platform freezes an idle
 * instance, calls a loopback server through a proxy that kills connections idle for more than 1 s,
 * the way a NAT gateway or load balancer does. The scenario is {@link IdleGap}'s, the benchmarks'
 * platform simulation's too. Run it with:
 *
 * <pre>
 * ./mvnw -q -pl examples -am -DskipTests -Pdemo verify -Dexec.mainClass=dev.fnclients.examples.IdleGapDemo
 * </pre>
 *
 * <p>Every number printed is measured during the run.
 */
public final class IdleGapDemo {
  private static final Duration MAX_IDLE_AGE = Duration.ofMillis(700);

  private IdleGapDemo() {}

  /**
   * The demo's settings: a 1 s idle limit; 13 invocations of a GET and a POST (in turn first); a
   * 1.3 s frozen gap before every 3rd after the first, 100 ms before the others; the default
   * clients' read timeout 2 s, to keep a silent-drop stall short (OkHttp's default is 10 s);
   * FnClients with a {@code maxIdleAge} below the proxy's limit, as its platform defaults sit below
   * the platforms' windows, and the same read timeout.
   */
  static IdleGap.Settings settings() {
    Duration timeout = Duration.ofSeconds(2);
    return new IdleGap.Settings(
        Duration.ofSeconds(1),
        Duration.ofMillis(1300),
        Duration.ofMillis(100),
        13,
        3,
        timeout,
        List.of("GET", "POST"),
        Map.of(
            "FNCLIENTS_MAX_IDLE_AGE",
            MAX_IDLE_AGE.toMillis() + "ms",
            "FNCLIENTS_READ_TIMEOUT",
            timeout.toMillis() + "ms"),
        FunctionInvoker.Setup.fromSystemProperties().demoClasspath());
  }

  /** Runs the three variants one after the other against one server, each behind its own proxy. */
  static List<Run> run(IdleGap.Settings settings, Mode mode) throws Exception {
    List<Run> runs = new ArrayList<>();
    try (IdleGap.Upstream upstream = IdleGap.Upstream.start("http")) {
      for (String variant : IdleGapInstance.VARIANTS) {
        runs.add(IdleGap.run(settings, mode, variant, upstream));
      }
    }
    return runs;
  }

  public static void main(String[] args) throws Exception {
    IdleGap.Settings s = settings();
    Console.wrapped(
        "",
        "Idle-gap demo: three ways a function can hold an HTTP client, each in its own instance (a child "
            + "JVM, frozen with SIGSTOP between invocations as the platform freezes an idle instance), calling a loopback "
            + "server through its own idle-killing proxy (a stand-in for a NAT gateway or load balancer). Each instance "
            + "makes one uncounted call straight to the server first, so class loading is not measured.");
    for (Mode mode : Mode.values()) {
      OUT.println();
      Console.wrapped(
          "",
          String.format(
              Locale.ROOT,
              "== Proxy mode %s: a request sent into an idle-killed connection %s. Idle limit %d ms; %d invocations of "
                  + "1 GET + 1 POST each; frozen %d ms before invocations %s, %d ms before the others ==",
              mode,
              mode == Mode.RESET ? "gets a TCP reset" : "is silently swallowed",
              s.idleLimit().toMillis(),
              s.invocations(),
              s.longGap().toMillis(),
              s.longGapsBefore(),
              s.shortGap().toMillis()));
      Console.wrapped(
          "   ",
          String.format(
              Locale.ROOT,
              "default shared client: read timeout %d ms (OkHttp's default is 10 s) to keep a silent-drop stall short; "
                  + "FnClients.http(): maxIdleAge %d ms, read timeout %d ms",
              s.timeout().toMillis(),
              MAX_IDLE_AGE.toMillis(),
              s.timeout().toMillis()));
      OUT.println();
      print(s, run(s, mode));
    }
    Console.exitIfThreadsLinger();
  }

  private static void print(IdleGap.Settings s, List<Run> runs) {
    List<String[]> rows = new ArrayList<>();
    rows.add(
        new String[] {
          "variant", "invocations", "ok", "failed", "conns opened", "reused", "open at gap end",
          "sent into dead conn", "idle-evicted", "retries", "server got", "p50 ms", "max ms",
              "errors"
        });
    for (Run r : runs) {
      rows.add(
          new String[] {
            label(r.variant()),
            "" + s.invocations(),
            "" + r.succeeded(),
            "" + r.failed(),
            "" + r.connections(),
            counted(r.stat("reused")),
            "" + r.openAtGapEnd(),
            "" + r.killed(),
            counted(r.stat("idleEvictions")),
            counted(r.stat("retries")),
            "" + r.serverReceived(),
            String.format(Locale.ROOT, "%.1f", r.percentileMillis(50)),
            String.format(Locale.ROOT, "%.1f", r.percentileMillis(100)),
            errors(r.errors())
          });
    }
    Console.table(rows, true);
    Console.wrapped(
        "   ",
        "(conns opened: accepted by the proxy. reused: requests sent on a connection that had carried one before. "
            + "open at gap end: idle connections still open when a long gap ended, summed over the gaps. sent into "
            + "dead conn: requests written into a connection the proxy had killed. retries: FnClients' retry counter, "
            + "or plain OkHttp's own silent retries. Latency is per request, failures included.)");
    OUT.println();
    explain(s, runs).forEach(line -> Console.wrapped("  ", line));
    for (Run r : runs) {
      if (r.stat("opened") >= 0 && r.stat("opened") != r.connections()) {
        OUT.printf(
            Locale.ROOT,
            "   note: %s itself counted %d connections opened, the proxy accepted %d%n",
            label(r.variant()),
            r.stat("opened"),
            r.connections());
      }
      if (r.variant().equals("fnclients") && !r.failures().isEmpty()) {
        OUT.println("   FnClients.http() failures, in order:");
        r.failures().forEach(f -> OUT.println("     " + f));
      }
    }
  }

  /** Three plain statements on what the numbers mean, built from the numbers themselves. */
  private static List<String> explain(IdleGap.Settings s, List<Run> runs) {
    Run perCall = runs.get(0);
    Run shared = runs.get(1);
    Run fn = runs.get(2);
    Map<String, Long> retried = new TreeMap<>();
    shared
        .stats()
        .forEach(
            (name, n) -> {
              if (name.startsWith("retried") && n > 0) {
                retried.put(name.substring("retried".length()), n);
              }
            });
    String outcome;
    if (shared.killed() == 0) {
      outcome = "none of them failed";
    } else if (shared.failed() == 0) {
      outcome =
          String.format(
              Locale.ROOT,
              "none failed only because OkHttp silently retried them on new connections (%s)%s",
              errors(retried),
              retried.containsKey("POST")
                  ? ", a POST as readily as a GET, although a reset can also come after the server processed a request"
                  : "");
    } else {
      outcome =
          String.format(
              Locale.ROOT,
              "%d request(s) failed (%s)%s",
              shared.failed(),
              errors(shared.errors()),
              shared.mode() == Mode.DROP
                  ? String.format(
                      Locale.ROOT,
                      ", each after stalling for the whole %d ms read timeout",
                      s.timeout().toMillis())
                  : "");
    }
    String how =
        fn.stat("idleEvictions") > 0
            ? String.format(
                Locale.ROOT,
                "%d were discarded when taken, before a byte was written",
                fn.stat("idleEvictions"))
            : "OkHttp's pool cleanup, which FnClients gives the same limit, closed them first as the instance thawed";
    return List.of(
        String.format(
            Locale.ROOT,
            "- client per invocation opened %d connections for %d invocations and sent %d request(s) "
                + "into a dead connection: it never meets one, but pays a connect (plus DNS and TLS in real life) every time.",
            perCall.connections(),
            s.invocations(),
            perCall.killed()),
        String.format(
            Locale.ROOT,
            "- default shared client: %d reuses and %d connections, but it still held %d idle "
                + "connection(s) at the end of the %d gaps and sent %d request(s) into connections the proxy had killed; %s.",
            shared.stat("reused"),
            shared.connections(),
            shared.openAtGapEnd(),
            s.longGaps(),
            shared.killed(),
            outcome),
        String.format(
            Locale.ROOT,
            "- FnClients.http(): %d reuses and %d connections, %d connection(s) held at the end of "
                + "the gaps, %d request(s) sent into a dead connection, %d failed. No connection idle for more than maxIdleAge "
                + "%d ms is reused: %s.",
            fn.stat("reused"),
            fn.connections(),
            fn.openAtGapEnd(),
            fn.killed(),
            fn.failed(),
            MAX_IDLE_AGE.toMillis(),
            how));
  }

  private static String label(String variant) {
    return variant.equals("fnclients") ? "FnClients.http()" : IdleGap.label(variant);
  }

  private static String errors(Map<String, ? extends Number> errors) {
    return errors.isEmpty()
        ? "-"
        : new TreeMap<>(errors)
            .entrySet().stream()
                .map(e -> e.getValue() + "x " + e.getKey())
                .collect(Collectors.joining(", "));
  }
}
