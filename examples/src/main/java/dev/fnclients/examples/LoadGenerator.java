package dev.fnclients.examples;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;

/**
 * An open-model load generator, like {@code artillery quick -r RATE}: request {@code i} is sent at
 * {@code start + i / rate} whether or not earlier ones were answered, so a slow function sees
 * requests pile up as in production.
 */
final class LoadGenerator {
  private static final int FAILURES_KEPT = 5;

  private LoadGenerator() {}

  /**
   * What a run measured: failures counted by kind ({@code HTTP 500}, an exception's class) and the
   * first few described; every request's latency in sending order; {@code sendLagMillis}, how late
   * the most delayed request was sent (the generator's own health); for each request, how many were
   * in flight once it was sent, itself included.
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

    double percentileMillis(double percentile) {
      return IdleGap.percentile(Arrays.stream(latencyMillis).boxed().toList(), percentile);
    }

    /** The most requests in flight at once from {@code fromSeconds} on. */
    int maxInFlight(double fromSeconds) {
      return IntStream.of(inFlightAtSend)
          .skip((long) Math.ceil(fromSeconds * ratePerSecond))
          .max()
          .orElse(0);
    }
  }

  /**
   * Sends {@code requests} GETs to {@code target} ({@code ?i=N} appended) at {@code ratePerSecond},
   * the first at {@code startNanos} ({@link System#nanoTime()} clock), and waits for the answers.
   */
  static Result run(
      URI target, double ratePerSecond, int requests, Duration requestTimeout, long startNanos)
      throws InterruptedException {
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    long periodNanos = (long) (1e9 / ratePerSecond);
    double[] latencies = new double[requests];
    String[] failures = new String[requests]; // null: a 200
    int[] inFlightAtSend = new int[requests];
    AtomicInteger inFlight = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(requests);
    long maxLag = 0;
    for (int i = 0; i < requests; i++) {
      long due = startNanos + i * periodNanos;
      for (long wait; (wait = due - System.nanoTime()) > 0; ) {
        LockSupport.parkNanos(wait);
      }
      long sent = System.nanoTime();
      maxLag = Math.max(maxLag, sent - due);
      inFlightAtSend[i] = inFlight.incrementAndGet();
      int index = i;
      HttpRequest request =
          HttpRequest.newBuilder(target.resolve("?i=" + i)).timeout(requestTimeout).build();
      client
          .sendAsync(request, BodyHandlers.ofString())
          .whenComplete(
              (response, error) -> {
                latencies[index] = (System.nanoTime() - sent) / 1e6;
                failures[index] = failure(response, error);
                inFlight.decrementAndGet();
                done.countDown();
              });
    }
    if (!done.await(requestTimeout.toMillis() + 5_000, TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException(
          done.getCount() + " requests were neither answered nor timed out");
    }
    // The latch's countDown happens-before await's return: the arrays are safe to read.
    Map<String, Integer> errors = new TreeMap<>();
    List<String> described = new ArrayList<>();
    for (int i = 0; i < requests; i++) {
      if (failures[i] != null) {
        errors.merge(failures[i].split(": ", 2)[0], 1, Integer::sum);
        if (described.size() < FAILURES_KEPT) {
          described.add("request " + i + ": " + failures[i]);
        }
      }
    }
    return new Result(
        requests,
        requests - errors.values().stream().mapToInt(Integer::intValue).sum(),
        errors,
        described,
        latencies,
        maxLag / 1e6,
        ratePerSecond,
        inFlightAtSend);
  }

  /** Null for a 200; else the failure's kind, then ": " and its first line. */
  private static String failure(HttpResponse<String> response, Throwable error) {
    if (error != null) {
      Throwable cause =
          error instanceof CompletionException && error.getCause() != null
              ? error.getCause()
              : error;
      return cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }
    String line = response.body().strip().lines().findFirst().orElse("");
    return response.statusCode() == 200
        ? null
        : "HTTP " + response.statusCode() + ": " + line.substring(0, Math.min(200, line.length()));
  }
}
