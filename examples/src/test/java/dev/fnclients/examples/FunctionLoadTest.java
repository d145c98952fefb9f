package dev.fnclients.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fnclients.examples.FunctionLoad.Kind;
import dev.fnclients.examples.FunctionLoad.Outcome;
import dev.fnclients.examples.FunctionLoad.Request;
import dev.fnclients.examples.FunctionLoad.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * End to end, as the platform advises: each example function runs on the real Functions Framework
 * invoker in a child JVM, against loopback HTTP, gRPC, Pub/Sub and Secret Manager servers behind
 * connection-counting proxies, driven at 30 requests/s for 20 s (600 requests after the first,
 * cold-start request). The pooled function opens one connection per gRPC target and a few HTTP
 * connections (as many as requests overlapped) in the first seconds, and after that at most when a
 * stall makes more requests overlap than ever before; the naive one opens one per request per
 * upstream all along.
 */
class FunctionLoadTest {
  private static final Settings STEADY_30_PER_SECOND_FOR_20_SECONDS = new Settings(30, 20);

  @Test
  @Timeout(120)
  void pooledFunctionOpensConnectionsOnlyAtTheStartOrWhenConcurrencyPeaks() throws Exception {
    Outcome o = run("dev.fnclients.example.PooledFunction");
    int invocations = 1 + o.settings().requests();

    SoftAssertions soft = new SoftAssertions();
    soft.assertThat(o.failures()).as("failed requests\n%s", logTail(o)).isEmpty();
    soft.assertThat(o.callsReceived())
        .as("HTTP requests, gRPC calls, Pub/Sub messages, secret reads the servers received")
        .containsExactly(invocations, invocations, invocations, invocations);
    // A channel is one connection, whatever the load: opened by the first request, none after. The
    // Secret Manager client (FnClients.google) shares FnClients.grpc's channel for its endpoint.
    assertThat(o.samples())
        .as("samples at 0, 1, 2, ... s and at the end")
        .hasSizeGreaterThan(FunctionLoad.EARLY_SECONDS + 1);
    for (Kind kind : List.of(Kind.GRPC, Kind.PUBSUB, Kind.SECRETS)) {
      soft.assertThat(o.accepted(kind)).as("%s connections", kind.label()).isBetween(1, 3);
      soft.assertThat(o.acceptedLate(kind))
          .as(
              "%s connections opened after the first %d s; samples %s",
              kind.label(), FunctionLoad.EARLY_SECONDS, samples(o))
          .isZero();
    }
    // HTTP/1.1 carries one call per connection: a pooled OkHttp client opens another connection
    // only when every one it has is busy, so its connections follow concurrency, never requests. On
    // a machine that keeps up, invocations barely overlap (1 or 2 in flight: 1 or 2 connections,
    // all in the first seconds); a stall (a GC pause, a busy neighbour) piles requests up, and the
    // pool grows to that peak, once. Hence bounds by the peak of requests in flight, which the
    // naive function (a connection per request: 600) exceeds a hundredfold.
    int peak = o.maxInFlight(0);
    int latePeak = o.maxInFlight(FunctionLoad.EARLY_SECONDS);
    soft.assertThat(o.accepted(Kind.HTTP))
        .as("HTTP connections, with at most %d requests in flight at once (cap 32)", peak)
        .isBetween(1, Math.min(32, Math.max(1, peak)));
    soft.assertThat(o.acceptedLate(Kind.HTTP))
        .as(
            "HTTP connections opened after the first %d s, with at most %d requests in flight at once then; "
                + "samples %s; requests slower than the request period: %s",
            FunctionLoad.EARLY_SECONDS,
            latePeak,
            samples(o),
            slowerThan(o, 1000 / o.settings().ratePerSecond()))
        // latePeak - 1 beyond the one it had, and one for a request sent just before the checkpoint
        .isLessThanOrEqualTo(latePeak);
    soft.assertAll();
  }

  @Test
  @Timeout(120)
  void naiveFunctionOpensAConnectionPerRequestToEveryUpstream() throws Exception {
    Outcome o = run("dev.fnclients.example.NaiveFunction");
    int invocations = 1 + o.settings().requests();
    int requestsAfterEarly =
        (int) (o.settings().requests() - FunctionLoad.EARLY_SECONDS * o.settings().ratePerSecond());

    SoftAssertions soft = new SoftAssertions();
    for (Kind kind : Kind.values()) {
      soft.assertThat(o.accepted(kind))
          .as("%s connections for %d invocations", kind.label(), invocations)
          .isGreaterThanOrEqualTo((int) (0.8 * invocations));
      soft.assertThat(o.acceptedLate(kind))
          .as(
              "%s connections opened after the first %d s, while %d requests were sent; samples %s",
              kind.label(), FunctionLoad.EARLY_SECONDS, requestsAfterEarly, samples(o))
          .isGreaterThanOrEqualTo((int) (0.8 * requestsAfterEarly));
    }
    soft.assertAll();
  }

  private static Outcome run(String function) throws Exception {
    Path logDir =
        Paths.get(System.getProperty("fnexample.outputDir", "target"), "function-load-test");
    Outcome o =
        FunctionLoad.run(
            function,
            STEADY_30_PER_SECOND_FOR_20_SECONDS,
            FunctionInvoker.Setup.fromSystemProperties(),
            logDir);
    System.out.printf(
        Locale.ROOT,
        "%s: 1 + %d requests, %d failed, connections HTTP %d gRPC %d Pub/Sub %d Secret Manager %d (after %d s: %d), max open %s, "
            + "first request %.0f ms, p50 %.1f ms, p99 %.1f ms, in flight max %d (after %d s: %d), send lag max %.1f ms%n",
        o.name(),
        o.settings().requests(),
        o.failures().size(),
        o.accepted(Kind.HTTP),
        o.accepted(Kind.GRPC),
        o.accepted(Kind.PUBSUB),
        o.accepted(Kind.SECRETS),
        FunctionLoad.EARLY_SECONDS,
        Stream.of(Kind.values()).mapToInt(o::acceptedLate).sum(),
        Arrays.toString(o.maxOpen()),
        o.first().latencyMillis(),
        o.percentileMillis(50),
        o.percentileMillis(99),
        o.maxInFlight(0),
        FunctionLoad.EARLY_SECONDS,
        o.maxInFlight(FunctionLoad.EARLY_SECONDS),
        o.load().stream().mapToDouble(Request::lagMillis).max().orElse(0));
    assertThat(o.settings().requests()).isEqualTo(600);
    assertThat(o.load()).hasSize(600);
    return o;
  }

  private static String samples(Outcome o) {
    StringBuilder s = new StringBuilder();
    for (FunctionLoad.Sample sample : o.samples()) {
      s.append(
          String.format(
              Locale.ROOT, "%.1fs=%s ", sample.seconds(), Arrays.toString(sample.accepted())));
    }
    return s.toString().strip();
  }

  /** Requests slower than {@code millis}, as {@code "at 12.3 s: 45 ms"}, to diagnose stalls. */
  private static List<String> slowerThan(Outcome o, double millis) {
    return o.load().stream()
        .filter(r -> r.latencyMillis() > millis)
        .map(
            r ->
                String.format(
                    Locale.ROOT, "at %.2f s: %.0f ms", r.sentSeconds(), r.latencyMillis()))
        .toList();
  }

  private static String logTail(Outcome o) {
    try {
      List<String> lines = Files.readAllLines(o.log());
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }
}
