package dev.fnclients.examples;

import dev.fnclients.example.FunctionEnv;
import dev.fnclients.testkit.IdleKillingProxy;
import dev.fnclients.testkit.LoopbackHttpServer;
import dev.fnclients.testkit.google.LoopbackSecretManagerServer;
import dev.fnclients.testkit.grpc.EchoGrpcServer;
import dev.fnclients.testkit.pubsub.LoopbackPubsubServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/** One run of the load demo (examples/README.md): upstreams, instance, open-model load, counts. */
final class FunctionLoad {
  /** The checkpoint after which a pooled function should open no more connections. */
  static final int EARLY_SECONDS = 5;

  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private FunctionLoad() {}

  /** The upstreams an example function calls, in the order their counts are reported. */
  enum Kind {
    HTTP,
    GRPC,
    PUBSUB,
    SECRETS;

    String label() {
      return List.of("HTTP", "gRPC", "Pub/Sub", "Secret Manager").get(ordinal());
    }
  }

  /** Requests per second, at a fixed rate, and for how long. */
  record Settings(double ratePerSecond, int seconds) {
    int requests() {
      return (int) Math.round(ratePerSecond * seconds);
    }
  }

  /** Connections each upstream (by {@link Kind#ordinal()}) had accepted, at a time. */
  record Sample(double seconds, int[] accepted) {
    int total() {
      return IntStream.of(accepted).sum();
    }
  }

  /** A request: sent when (since the load began), how late; in flight then; failure or null. */
  record Request(
      double sentSeconds, double lagMillis, double latencyMillis, int inFlight, String failure) {}

  /** What one function did; per upstream by {@link Kind#ordinal()}; samples at 0, 1, ... s, end. */
  record Outcome(
      String name,
      Settings settings,
      Request first,
      List<Request> load,
      int[] maxOpen,
      int[] callsReceived,
      List<Sample> samples,
      Path log) {

    List<Request> failures() {
      return Stream.concat(Stream.of(first), load.stream())
          .filter(r -> r.failure() != null)
          .toList();
    }

    Sample last() {
      return samples.get(samples.size() - 1);
    }

    /** Connections {@code kind} accepted in the whole run. */
    int accepted(Kind kind) {
      return last().accepted()[kind.ordinal()];
    }

    /** Connections {@code kind} accepted after the first {@link #EARLY_SECONDS} (or the run). */
    int acceptedLate(Kind kind) {
      Sample early = samples.get(Math.min(EARLY_SECONDS, samples.size() - 1));
      return accepted(kind) - early.accepted()[kind.ordinal()];
    }

    /** Of the steady load, nearest rank. */
    double percentileMillis(double percentile) {
      double[] sorted = load.stream().mapToDouble(Request::latencyMillis).sorted().toArray();
      return sorted[Math.max(0, (int) Math.ceil(percentile / 100 * sorted.length) - 1)];
    }

    /** The most requests in flight at once from {@code fromSeconds} on. */
    int maxInFlight(double fromSeconds) {
      return load.stream()
          .filter(r -> r.sentSeconds() >= fromSeconds)
          .mapToInt(Request::inFlight)
          .max()
          .orElse(0);
    }
  }

  /** Runs {@code function} (the invoker's {@code --target}); its log goes to {@code logDir}. */
  static Outcome run(String function, Settings settings, FunctionInvoker.Setup setup, Path logDir)
      throws Exception {
    Path log = logDir.resolve(FunctionInvoker.simpleName(function) + "-invoker.log");
    try (LoopbackHttpServer http = LoopbackHttpServer.start();
        EchoGrpcServer grpc = EchoGrpcServer.start();
        LoopbackPubsubServer pubsub = LoopbackPubsubServer.start();
        LoopbackSecretManagerServer secrets = LoopbackSecretManagerServer.start();
        IdleKillingProxy httpProxy = IdleKillingProxy.start(http.address());
        IdleKillingProxy grpcProxy = IdleKillingProxy.start(grpc.address());
        IdleKillingProxy pubsubProxy = IdleKillingProxy.start(pubsub.address());
        IdleKillingProxy secretsProxy = IdleKillingProxy.start(secrets.address());
        FunctionInvoker instance =
            FunctionInvoker.start(
                setup,
                function,
                Map.of(
                    FunctionEnv.HTTP_URL, httpProxy.url("http") + "/items",
                    FunctionEnv.GRPC_TARGET, "127.0.0.1:" + grpcProxy.port(),
                    FunctionEnv.GRPC_PLAINTEXT, "true", // loopback test server: no TLS
                    FunctionEnv.EMULATOR_HOST, "127.0.0.1:" + pubsubProxy.port(),
                    FunctionEnv.TOPIC, "projects/fn-example/topics/orders",
                    FunctionEnv.SECRET_NAME, "projects/fn-example/secrets/api-key/versions/latest",
                    FunctionEnv.SECRET_MANAGER_HOST, "127.0.0.1:" + secretsProxy.port()),
                log,
                START_TIMEOUT)) {
      List<IdleKillingProxy> proxies = List.of(httpProxy, grpcProxy, pubsubProxy, secretsProxy);
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      AtomicInteger inFlight = new AtomicInteger();
      // The first request is the cold start (class loading, building clients): sent alone and
      // awaited, so that the steady load does not pile up behind it; its connections count too.
      long now = System.nanoTime();
      Request first = send(client, instance.uri(), START_TIMEOUT, now, now, inFlight).join();
      long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
      List<Sample> samples = new CopyOnWriteArrayList<>();
      Runnable sample =
          () ->
              samples.add(
                  new Sample(
                      (System.nanoTime() - start) / 1e9,
                      proxies.stream().mapToInt(IdleKillingProxy::acceptedConnections).toArray()));
      // Open model: each request sent on time, answered or not (sending is asynchronous); one
      // thread sends them and samples every second.
      ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
      List<Request> load = new ArrayList<>();
      try {
        timer.scheduleAtFixedRate(
            sample, start - System.nanoTime(), 1_000_000_000, TimeUnit.NANOSECONDS);
        List<ScheduledFuture<CompletableFuture<Request>>> sent = new ArrayList<>();
        for (int i = 0; i < settings.requests(); i++) {
          long due = start + (long) (i * 1e9 / settings.ratePerSecond());
          URI uri = instance.uri().resolve("?i=" + i);
          Callable<CompletableFuture<Request>> request =
              () -> send(client, uri, REQUEST_TIMEOUT, start, due, inFlight);
          sent.add(timer.schedule(request, due - System.nanoTime(), TimeUnit.NANOSECONDS));
        }
        for (ScheduledFuture<CompletableFuture<Request>> request : sent) {
          load.add(request.get().get()); // each has its timeout
        }
      } finally {
        timer.shutdownNow();
        timer.awaitTermination(5, TimeUnit.SECONDS);
      }
      sample.run();
      return new Outcome(
          FunctionInvoker.simpleName(function),
          settings,
          first,
          load,
          proxies.stream().mapToInt(IdleKillingProxy::maxOpenConnections).toArray(),
          new int[] {
            http.requestsReceived(),
            grpc.calls(EchoGrpcServer.SAY),
            pubsub.messages().size(),
            secrets.calls()
          },
          List.copyOf(samples),
          log);
    }
  }

  /** Sends a GET now, {@code due} and {@code start} (of the steady load) on the nanoTime clock. */
  private static CompletableFuture<Request> send(
      HttpClient client, URI uri, Duration timeout, long start, long due, AtomicInteger inFlight) {
    long sent = System.nanoTime();
    int inFlightAtSend = inFlight.incrementAndGet();
    return client
        .sendAsync(HttpRequest.newBuilder(uri).timeout(timeout).build(), BodyHandlers.discarding())
        .handle(
            (response, error) -> {
              inFlight.decrementAndGet();
              // Details of an HTTP 500 are in the function's log.
              String failure =
                  error != null
                      ? error.toString()
                      : response.statusCode() == 200 ? null : "HTTP " + response.statusCode();
              return new Request(
                  (sent - start) / 1e9,
                  (sent - due) / 1e6,
                  (System.nanoTime() - sent) / 1e6,
                  inFlightAtSend,
                  failure);
            });
  }
}
