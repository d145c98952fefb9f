package dev.fnclients.examples;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * An open-model load generator, like {@code artillery quick -r RATE}: request {@code i} is sent at
 * {@code start + i / rate} whether or not earlier ones were answered, so a slow function sees
 * requests pile up as in production. It sends exactly {@code requests} requests with the JDK's
 * {@link HttpClient} and waits at most {@code requestTimeout} for the last answers.
 */
final class LoadGenerator {
  private static final int FAILURES_KEPT = 5;

  private LoadGenerator() {}

  /**
   * What a run measured: failures counted by outcome ({@code HTTP 500}, an exception's class) and
   * the first few described; every request's latency in sending order; {@code sendLagMillis}, how
   * late the most delayed request was sent (the generator's own health); for each request, how many
   * were in flight once it was sent, itself included.
   */
  record Result(
      int requests,
      int ok,
      Map<String, Integer> errors,
      List<String> failures,
      double[] latencyMillis,
      double sendLagMillis,
      double ratePerSecond,
      int[] inFlightAtSend) {

    int failed() {
      return requests - ok;
    }

    /** Nearest-rank percentile of the latencies, in milliseconds. */
    double percentileMillis(double percentile) {
      return IdleGap.percentile(Arrays.stream(latencyMillis).boxed().toList(), percentile);
    }

    /**
     * The most requests in flight at once from {@code fromSeconds} on: the function's concurrent
     * invocations.
     */
    int maxInFlight(double fromSeconds) {
      int max = 0;
      for (int i = (int) Math.ceil(fromSeconds * ratePerSecond); i < inFlightAtSend.length; i++) {
        max = Math.max(max, inFlightAtSend[i]);
      }
      return max;
    }

    /**
     * Requests slower than {@code millis}, as {@code "at 12.3 s: 45 ms"}, for diagnosing stalls.
     */
    List<String> slowerThan(double millis) {
      List<String> slow = new ArrayList<>();
      for (int i = 0; i < latencyMillis.length; i++) {
        if (latencyMillis[i] > millis) {
          slow.add(
              String.format(
                  java.util.Locale.ROOT,
                  "at %.2f s: %.0f ms",
                  i / ratePerSecond,
                  latencyMillis[i]));
        }
      }
      return slow;
    }
  }

  /**
   * Sends {@code requests} GETs to {@code target} ({@code ?i=N} appended) at {@code ratePerSecond},
   * the first at {@code startNanos} ({@link System#nanoTime()} clock), and waits for the answers.
   */
  static Result run(
      URI target, double ratePerSecond, int requests, Duration requestTimeout, long startNanos)
      throws InterruptedException {
    if (ratePerSecond <= 0 || requests < 1) {
      throw new IllegalArgumentException(
          "rate and requests must be positive: " + ratePerSecond + ", " + requests);
    }
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    long periodNanos = (long) (1e9 / ratePerSecond);
    long[] latencies = new long[requests];
    String[] outcomes = new String[requests]; // null = ok
    CountDownLatch done = new CountDownLatch(requests);
    AtomicInteger inFlight = new AtomicInteger();
    int[] inFlightAtSend = new int[requests];
    long maxLag = 0;

    for (int i = 0; i < requests; i++) {
      long due = startNanos + i * periodNanos;
      long wait;
      while ((wait = due - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
      long sent = System.nanoTime();
      maxLag = Math.max(maxLag, sent - due);
      inFlightAtSend[i] = inFlight.incrementAndGet();
      int index = i;
      HttpRequest request =
          HttpRequest.newBuilder(target.resolve("?i=" + i)).timeout(requestTimeout).GET().build();
      CompletableFuture<HttpResponse<String>> answer;
      try {
        answer = client.sendAsync(request, HttpResponse.BodyHandlers.ofString());
      } catch (RuntimeException e) {
        answer = CompletableFuture.failedFuture(e);
      }
      answer.whenComplete(
          (response, error) -> {
            latencies[index] = System.nanoTime() - sent;
            inFlight.decrementAndGet();
            outcomes[index] = outcome(response, error);
            done.countDown();
          });
    }
    if (!done.await(requestTimeout.toMillis() + 5_000, TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException(
          done.getCount() + " requests were neither answered nor timed out");
    }

    // The latch's countDown happens-before await's return: the arrays are safe to read.
    return result(requests, ratePerSecond, latencies, outcomes, inFlightAtSend, maxLag);
  }

  /** Null for a 200; else the failure's kind and detail, separated by a NUL. */
  private static String outcome(HttpResponse<String> response, Throwable error) {
    if (error != null) {
      Throwable cause =
          error instanceof CompletionException && error.getCause() != null
              ? error.getCause()
              : error;
      return cause.getClass().getSimpleName() + "\u0000" + cause.getMessage();
    } else if (response.statusCode() != 200) {
      String line = response.body().strip().lines().findFirst().orElse("");
      return "HTTP "
          + response.statusCode()
          + "\u0000"
          + line.substring(0, Math.min(200, line.length()));
    }
    return null;
  }

  private static Result result(
      int requests,
      double ratePerSecond,
      long[] latencies,
      String[] outcomes,
      int[] inFlightAtSend,
      long maxLag) {
    int ok = 0;
    Map<String, Integer> errors = new TreeMap<>();
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < requests; i++) {
      if (outcomes[i] == null) {
        ok++;
      } else {
        String[] kindAndDetail = outcomes[i].split("\u0000", 2);
        errors.merge(kindAndDetail[0], 1, Integer::sum);
        if (failures.size() < FAILURES_KEPT) {
          failures.add(
              "request "
                  + i
                  + ": "
                  + kindAndDetail[0]
                  + (kindAndDetail.length > 1 ? " " + kindAndDetail[1] : ""));
        }
      }
    }
    double[] millis = Arrays.stream(latencies).mapToDouble(n -> n / 1e6).toArray();
    return new Result(
        requests,
        ok,
        Collections.unmodifiableMap(errors),
        List.copyOf(failures),
        millis,
        maxLag / 1e6,
        ratePerSecond,
        inFlightAtSend);
  }
}
