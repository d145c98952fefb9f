package dev.fnclients.examples;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One load run: fresh loopback upstreams behind counting proxies, one function instance on the real
 * invoker driven at a steady rate by {@link LoadGenerator}, and the connections each upstream
 * accepted, sampled every second: a few at the beginning and a flat line after for a well-written
 * function, a line rising with the requests for one that opens a connection per invocation.
 */
final class FunctionLoad {
  /** The checkpoint after which a pooled function should open no more connections. */
  static final int EARLY_SECONDS = 5;

  private FunctionLoad() {}

  /**
   * How hard (requests per second, at a fixed rate) and how long (requests in all) to drive the
   * function.
   */
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

  /**
   * Connections each upstream ({@link Upstreams.Kind#ordinal()}) had accepted, seconds after the
   * first request was due.
   */
  record Sample(double seconds, int[] accepted) {}

  /**
   * What one function did under load: its first request ({@code coldStart}, sent alone), the steady
   * load, and per upstream ({@link Upstreams.Kind#ordinal()}) the connections accepted in the run,
   * the same {@link #EARLY_SECONDS} s in (null for shorter runs), the most open at once, the calls
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

    int accepted(Upstreams.Kind kind) {
      return accepted[kind.ordinal()];
    }

    /** Connections accepted after the first {@link #EARLY_SECONDS} s, or -1 for a shorter run. */
    int acceptedLate(Upstreams.Kind kind) {
      return acceptedEarly == null ? -1 : accepted[kind.ordinal()] - acceptedEarly[kind.ordinal()];
    }
  }

  /**
   * Runs {@code function} (a class name, as given to the invoker's {@code --target}) in its own
   * instance against its own upstreams. The instance is stopped with SIGTERM after the counts are
   * taken; its output is in {@code logDir}.
   */
  static Outcome run(String function, Settings settings, FunctionInvoker.Setup setup, Path logDir)
      throws Exception {
    Path log = logDir.resolve(FunctionInvoker.simpleName(function) + "-invoker.log");
    try (Upstreams upstreams = new Upstreams();
        FunctionInvoker instance =
            FunctionInvoker.start(
                setup, function, upstreams.functionEnvironment(), log, settings.startTimeout())) {
      // The first request is the instance's cold start: class loading and, for the pooled function,
      // building the clients. It is sent alone and awaited, so that the requests a steady rate
      // sends
      // meanwhile do not pile up behind it; its connections are counted like all the others.
      LoadGenerator.Result coldStart =
          LoadGenerator.run(instance.uri(), 1, 1, settings.startTimeout(), System.nanoTime());
      long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
      List<Sample> samples = new CopyOnWriteArrayList<>();
      Runnable sample =
          () ->
              samples.add(
                  new Sample((System.nanoTime() - start) / 1e9, upstreams.acceptedConnections()));
      ScheduledExecutorService sampler =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "connection-sampler");
                t.setDaemon(true);
                return t;
              });
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
          upstreams.maxOpenConnections(),
          upstreams.callsReceived(),
          List.copyOf(samples),
          log);
    }
  }
}
