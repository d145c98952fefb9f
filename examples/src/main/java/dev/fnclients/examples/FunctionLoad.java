package dev.fnclients.examples;

import dev.fnclients.example.FunctionEnv;
import dev.fnclients.testkit.IdleKillingProxy;
import dev.fnclients.testkit.LoopbackHttpServer;
import dev.fnclients.testkit.google.LoopbackSecretManagerServer;
import dev.fnclients.testkit.grpc.EchoGrpcServer;
import dev.fnclients.testkit.pubsub.LoopbackPubsubServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntFunction;

/**
 * One load run: fresh loopback upstreams, one function instance on the real invoker driven at a
 * steady rate by {@link LoadGenerator}, and the connections each upstream accepted, sampled every
 * second: a few at the beginning and a flat line after for a well-written function, a line rising
 * with the requests for one that opens a connection per invocation. Each upstream sits behind an
 * {@link IdleKillingProxy} without an idle limit, used only as a connection counter: every
 * connection the function opens is one the proxy accepts (and one the server sees).
 */
final class FunctionLoad {
  /** The checkpoint after which a pooled function should open no more connections. */
  static final int EARLY_SECONDS = 5;

  private FunctionLoad() {}

  /** The upstreams an example function calls, in the order their counts are reported. */
  enum Kind {
    HTTP("HTTP"),
    GRPC("gRPC"),
    PUBSUB("Pub/Sub"),
    SECRETS("Secret Manager");

    final String label;

    Kind(String label) {
      this.label = label;
    }
  }

  /** How hard (requests per second, at a fixed rate) and how long (requests in all). */
  record Settings(
      double ratePerSecond, int requests, Duration requestTimeout, Duration startTimeout) {
    static Settings of(double ratePerSecond, int seconds) {
      return new Settings(
          ratePerSecond,
          (int) Math.round(ratePerSecond * seconds),
          Duration.ofSeconds(30),
          Duration.ofSeconds(60));
    }

    double seconds() {
      return requests / ratePerSecond;
    }
  }

  /** Connections each upstream (by {@link Kind#ordinal()}) had accepted, at a time. */
  record Sample(double seconds, int[] accepted) {}

  /**
   * What one function did under load: its first request ({@code coldStart}, sent alone), the steady
   * load, and per upstream (by {@link Kind#ordinal()}) the connections accepted in the run, the
   * same {@link #EARLY_SECONDS} s in (null for shorter runs), the most open at once, the calls
   * received; {@code samples}, one per second and one at the end.
   */
  record Outcome(
      String function,
      Settings settings,
      LoadGenerator.Result coldStart,
      LoadGenerator.Result load,
      int[] accepted,
      int[] acceptedEarly,
      int[] maxOpen,
      int[] callsReceived,
      List<Sample> samples,
      Path log) {

    String name() {
      return FunctionInvoker.simpleName(function);
    }

    int accepted(Kind kind) {
      return accepted[kind.ordinal()];
    }

    /** Connections accepted after the first {@link #EARLY_SECONDS} s, or -1 for a shorter run. */
    int acceptedLate(Kind kind) {
      return acceptedEarly == null ? -1 : accepted[kind.ordinal()] - acceptedEarly[kind.ordinal()];
    }

    int failed() {
      return coldStart.failed() + load.failed();
    }
  }

  /**
   * Runs {@code function} (a class name, as given to the invoker's {@code --target}) in its own
   * instance against its own upstreams; the instance's output goes to {@code logDir}.
   */
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
                settings.startTimeout())) {
      // By Kind#ordinal().
      List<IdleKillingProxy> proxies = List.of(httpProxy, grpcProxy, pubsubProxy, secretsProxy);
      // The first request is the instance's cold start: class loading and, for the pooled function,
      // building the clients. It is sent alone and awaited, so that the requests a steady rate
      // sends meanwhile do not pile up behind it; its connections are counted like all the others.
      LoadGenerator.Result coldStart =
          LoadGenerator.run(instance.uri(), 1, 1, settings.startTimeout(), System.nanoTime());
      long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
      List<Sample> samples = new CopyOnWriteArrayList<>();
      Runnable sample =
          () ->
              samples.add(
                  new Sample(
                      (System.nanoTime() - start) / 1e9,
                      count(proxies, IdleKillingProxy::acceptedConnections)));
      ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
      LoadGenerator.Result load;
      try {
        sampler.scheduleAtFixedRate(
            sample, start - System.nanoTime(), TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS);
        load =
            LoadGenerator.run(
                instance.uri(),
                settings.ratePerSecond(),
                settings.requests(),
                settings.requestTimeout(),
                start);
      } finally {
        sampler.shutdownNow();
        sampler.awaitTermination(5, TimeUnit.SECONDS);
      }
      sample.run();
      Sample last = samples.get(samples.size() - 1);
      int[] early =
          samples.stream()
              .filter(s -> s.seconds() >= EARLY_SECONDS - 0.5 && s.seconds() < last.seconds())
              .map(Sample::accepted)
              .findFirst()
              .orElse(null);
      return new Outcome(
          function,
          settings,
          coldStart,
          load,
          last.accepted(),
          early,
          count(proxies, IdleKillingProxy::maxOpenConnections),
          new int[] { // calls each server answered
            http.requestsReceived(),
            grpc.calls(EchoGrpcServer.SAY),
            pubsub.messages().size(),
            secrets.calls()
          },
          List.copyOf(samples),
          log);
    }
  }

  private static int[] count(
      List<IdleKillingProxy> proxies, ToIntFunction<IdleKillingProxy> count) {
    return proxies.stream().mapToInt(count).toArray();
  }
}
