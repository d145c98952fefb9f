package dev.fnclients.benchmarks;

import dev.fnclients.FnClientsInstance;
import dev.fnclients.pool.FnClientsConfig;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the per-invocation benchmarks share (JMH runs inherited annotations and {@code @Benchmark}
 * methods as the subclass's): one operation is one function invocation, set up by the subclass,
 * with the connections it opened and the live threads as secondary figures ({@link Counters}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx512m", "-Dsun.net.httpserver.nodelay=true"})
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 3, time = 2)
public abstract class InvocationBenchmark {
  /** One function invocation, returning its answer. */
  interface Invocation {
    String run() throws Exception;
  }

  Invocation invocation;

  /** Connections opened so far, as the subclass counts them. */
  LongSupplier connections;

  /**
   * Live threads when the last answer arrived, for clients torn down within the invocation; -1:
   * after it.
   */
  int liveAtAnswer = -1;

  /**
   * Notes the live threads on an answer, before a per-invocation client is torn down (and its
   * threads end).
   */
  String answered(String answer) {
    liveAtAnswer = Thread.activeCount();
    return answer;
  }

  /** What the trial set up, closed after it, last first. */
  private final Deque<AutoCloseable> resources = new ArrayDeque<>();

  /** Closes {@code resource} after the trial (before anything set up earlier). */
  void atEnd(AutoCloseable resource) {
    resources.push(resource);
  }

  /** A private {@link FnClientsInstance}, so that every fork starts clean; shut down at the end. */
  FnClientsInstance fnclients() {
    FnClientsInstance fn = FnClientsInstance.create(FnClientsConfig.custom().build());
    atEnd(fn::shutdown);
    return fn;
  }

  @TearDown(Level.Trial)
  public void closeAll() throws Exception {
    while (!resources.isEmpty()) {
      resources.pop().close();
    }
  }

  /** One invocation before the measurement, which must answer. */
  void check() throws Exception {
    String answer = invocation.run();
    if (answer == null || answer.isEmpty()) {
      throw new IllegalStateException("no answer from the set-up invocation");
    }
  }

  @Benchmark
  public String invocation(Counters counters) throws Exception {
    long before = connections.getAsLong();
    String answer = invocation.run();
    counters.record(
        connections.getAsLong() - before, liveAtAnswer < 0 ? Thread.activeCount() : liveAtAnswer);
    return answer;
  }
}
