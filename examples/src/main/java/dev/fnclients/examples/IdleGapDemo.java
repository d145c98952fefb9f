package dev.fnclients.examples;

import dev.fnclients.FnClients;
import dev.fnclients.examples.IdleGapScenario.FnClientsHandle;
import dev.fnclients.examples.IdleGapScenario.Settings;
import dev.fnclients.examples.IdleGapScenario.Variant;
import dev.fnclients.examples.IdleGapScenario.VariantResult;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.testkit.IdleKillingProxy.Mode;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Shows what an idle gap between invocations does to three ways of holding an HTTP client, against
 * a loopback server behind a proxy that kills connections idle for more than 1 s, the way a NAT
 * gateway or load balancer does. Run it with:
 *
 * <pre>./mvnw -q -pl examples -am -DskipTests -Pdemo verify</pre>
 *
 * <p>Every number printed is measured during the run; see {@link IdleGapScenario} for the scenario.
 */
public final class IdleGapDemo {
  private static final PrintStream OUT = System.out;

  private IdleGapDemo() {}

  public static void main(String[] args) throws Exception {
    // Before first use, as a function would at class initialisation. The max idle age sits below
    // the proxy's 1 s idle limit, as FnClients' platform defaults sit below the platform's window.
    FnClients.configure(
        FnClientsConfig.custom()
            .maxIdleAge(Duration.ofMillis(700))
            .readTimeout(Duration.ofSeconds(2))
            .build());
    try {
      printWrapped(
          "",
          "Idle-gap demo: three ways a function can hold an HTTP client, each against its own loopback server "
              + "behind its own idle-killing proxy (a stand-in for a NAT gateway or load balancer), run side by side. "
              + "One uncounted GET and POST per kind of client come first, so class loading is not measured.");
      IdleGapScenario.warmUp(FnClientsHandle.global());
      for (Mode mode : new Mode[] {Mode.RESET, Mode.DROP}) {
        Settings settings = Settings.defaults(mode);
        List<VariantResult> results = IdleGapScenario.run(settings, FnClientsHandle.global());
        print(settings, results);
      }
    } finally {
      FnClients.shutdown();
    }
    LingeringThreads.exitIfAny(OUT);
  }

  private static void print(Settings s, List<VariantResult> results) {
    OUT.println();
    printWrapped("", String.format(
        Locale.ROOT,
        "== Proxy mode %s: %s. Idle limit %d ms; %d invocations of 1 GET + 1 POST each; "
            + "a %d ms gap before every %s invocation, %d ms before the others ==",
        s.mode(),
        s.mode() == Mode.RESET
            ? "a request sent into an idle-killed connection gets a TCP reset"
            : "a request sent into an idle-killed connection is silently swallowed",
        s.idleLimit().toMillis(),
        s.invocations(),
        s.gap().toMillis(),
        ordinal(s.gapEvery()),
        s.pause().toMillis()));
    printWrapped("   ", String.format(
        Locale.ROOT,
        "default shared client: read timeout %d ms (OkHttp's default is 10 s) to keep a silent-drop stall short; "
            + "FnClients.http(): maxIdleAge %d ms, read timeout %d ms",
        s.sharedReadTimeout().toMillis(),
        FnClients.config().maxIdleAge().toMillis(),
        FnClients.config().readTimeout().toMillis()));
    OUT.println();

    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {
      "variant", "invocations", "ok", "failed", "conns opened", "reused", "open at gap end",
      "sent into dead conn", "idle-evicted", "retries", "server got", "p50 ms", "max ms", "errors"
    });
    for (VariantResult r : results) {
      rows.add(new String[] {
        r.variant().label(),
        Integer.toString(r.invocations()),
        Integer.toString(r.ok()),
        Integer.toString(r.failed()),
        Integer.toString(r.connectionsOpened()),
        Long.toString(r.reused()),
        Integer.toString(r.openAtGapEnd()),
        Integer.toString(r.killed()),
        counted(r.idleEvictions()),
        counted(r.retries()),
        Integer.toString(r.serverReceived()),
        String.format(Locale.ROOT, "%.1f", r.p50Millis()),
        String.format(Locale.ROOT, "%.1f", r.maxMillis()),
        errors(r.errors())
      });
    }
    printTable(rows);
    printWrapped(
        "   ",
        "(conns opened: accepted by the proxy. reused: requests sent on a connection that had carried one before. "
            + "open at gap end: idle connections still open when a gap ended, summed over the gaps. sent into dead "
            + "conn: requests written into a connection the proxy had killed. retries: FnClients' retry counter, or "
            + "plain OkHttp's own silent retries. Latency is per request, failures included.)");
    OUT.println();
    for (String line : explain(s, results)) {
      printWrapped("  ", line);
    }
    for (VariantResult r : results) {
      if (r.clientConnectionsOpened() != r.connectionsOpened()) {
        OUT.printf(
            "   note: %s itself counted %d connections opened, the proxy accepted %d%n",
            r.variant().label(), r.clientConnectionsOpened(), r.connectionsOpened());
      }
      if (r.variant() == Variant.FNCLIENTS && !r.failures().isEmpty()) {
        OUT.println("   FnClients.http() failures, in order:");
        r.failures().forEach(f -> OUT.println("     " + f));
      }
    }
  }

  /** Three plain statements on what the numbers mean, built from the numbers themselves. */
  private static List<String> explain(Settings s, List<VariantResult> results) {
    VariantResult perCall = find(results, Variant.CLIENT_PER_INVOCATION);
    VariantResult shared = find(results, Variant.DEFAULT_SHARED);
    VariantResult fn = find(results, Variant.FNCLIENTS);
    long maxIdleMillis = FnClients.config().maxIdleAge().toMillis();
    List<String> lines = new ArrayList<>();
    lines.add(String.format(
        Locale.ROOT,
        "- client per invocation opened %d connections for %d invocations and sent %d request(s) into a dead "
            + "connection: it never meets one, but pays a connect (plus DNS and TLS in real life) every time.",
        perCall.connectionsOpened(), perCall.invocations(), perCall.killed()));

    String outcome;
    if (shared.killed() == 0) {
      outcome = "none of them failed";
    } else if (shared.failed() == 0) {
      outcome = String.format(
          Locale.ROOT,
          "none failed only because OkHttp silently retried them on new connections (%s)%s",
          errors(shared.retriedMethods()),
          shared.retriedMethods().containsKey("POST")
              ? ", a POST as readily as a GET, although a reset can also come after the server processed a request"
              : "");
    } else {
      outcome = String.format(
          Locale.ROOT,
          "%d request(s) failed (%s)%s",
          shared.failed(),
          errors(shared.errors()),
          s.mode() == Mode.DROP
              ? String.format(
                  Locale.ROOT, ", each after stalling for the whole %d ms read timeout", s.sharedReadTimeout().toMillis())
              : "");
    }
    lines.add(String.format(
        Locale.ROOT,
        "- default shared client: %d reuses and %d connections, but it still held %d idle connection(s) at the end "
            + "of the %d gaps and sent %d request(s) into connections the proxy had killed; %s.",
        shared.reused(), shared.connectionsOpened(), shared.openAtGapEnd(), s.gaps(), shared.killed(), outcome));

    String how = fn.idleEvictions() > 0
        ? String.format(Locale.ROOT, "%d were discarded when taken, before a byte was written", fn.idleEvictions())
        : "here OkHttp's pool cleanup, which FnClients gives the same limit, closed them during the gaps; on a "
            + "frozen instance, where that thread cannot run, they are discarded when taken (idle-evicted, 0 here)";
    lines.add(String.format(
        Locale.ROOT,
        "- FnClients.http(): %d reuses and %d connections, %d connection(s) held at the end of the gaps, %d request(s) "
            + "sent into a dead connection, %d failed. No connection idle for more than maxIdleAge %d ms is reused: %s.",
        fn.reused(), fn.connectionsOpened(), fn.openAtGapEnd(), fn.killed(), fn.failed(), maxIdleMillis, how));
    return lines;
  }

  /** Prints {@code text} wrapped at about 120 columns, continuation lines indented two more. */
  private static void printWrapped(String indent, String text) {
    StringBuilder line = new StringBuilder(indent);
    String continuation = indent + "  ";
    for (String word : text.split(" ")) {
      if (line.length() + word.length() + 1 > 120 && line.toString().strip().length() > 0) {
        OUT.println(line.toString().stripTrailing());
        line = new StringBuilder(continuation);
      }
      line.append(word).append(' ');
    }
    OUT.println(line.toString().stripTrailing());
  }

  private static VariantResult find(List<VariantResult> results, Variant variant) {
    return results.stream().filter(r -> r.variant() == variant).findFirst().orElseThrow();
  }

  private static String counted(long n) {
    return n == IdleGapScenario.NOT_COUNTED ? "-" : Long.toString(n);
  }

  private static String errors(Map<String, Integer> errors) {
    if (errors.isEmpty()) {
      return "-";
    }
    return new TreeMap<>(errors).entrySet().stream()
        .map(e -> e.getValue() + "x " + e.getKey())
        .collect(Collectors.joining(", "));
  }

  private static String ordinal(int n) {
    if (n == 1) {
      return "";
    }
    int mod100 = n % 100;
    String suffix = mod100 >= 11 && mod100 <= 13 ? "th" : switch (n % 10) {
      case 1 -> "st";
      case 2 -> "nd";
      case 3 -> "rd";
      default -> "th";
    };
    return n + suffix;
  }

  /** Prints rows as columns: the first column left-aligned, the last free, the others right-aligned. */
  private static void printTable(List<String[]> rows) {
    int columns = rows.get(0).length;
    int[] widths = new int[columns];
    for (String[] row : rows) {
      for (int c = 0; c < columns; c++) {
        widths[c] = Math.max(widths[c], row[c].length());
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder("   ");
      for (int c = 0; c < columns; c++) {
        if (c > 0) {
          line.append("  ");
        }
        if (c == 0) {
          line.append(String.format("%-" + widths[c] + "s", row[c]));
        } else if (c == columns - 1) {
          line.append(row[c]);
        } else {
          line.append(String.format("%" + widths[c] + "s", row[c]));
        }
      }
      OUT.println(line.toString().stripTrailing());
    }
  }
}
