package dev.fnclients.spi;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Shuts every registered part down in registration order within one time budget, from a JVM
 * shutdown hook (SIGTERM gives an instance about 10 s) or on request. Register what depends on
 * others first (publishers before the channels they use). The hook is installed on the first
 * registration, never before, and shutdown runs once however often it is asked for.
 */
public final class Lifecycle {
  private final Duration timeout;
  private final List<GracefulCloseable> parts = new CopyOnWriteArrayList<>();
  private final AtomicBoolean hookInstalled = new AtomicBoolean();
  private final AtomicBoolean shutDown = new AtomicBoolean();
  // A latch and a flag rather than a CompletableFuture: this object is built on every instance's
  // first call, and CompletableFuture's class initialisation starts up the common ForkJoinPool.
  private final CountDownLatch completed = new CountDownLatch(1);
  private volatile boolean result;

  public Lifecycle(Duration timeout) {
    this.timeout = Objects.requireNonNull(timeout, "timeout");
  }

  /** Adds {@code part}, to be closed after every part registered before it. */
  public void register(GracefulCloseable part) {
    parts.add(Objects.requireNonNull(part, "part"));
  }

  /** Installs the JVM shutdown hook that calls {@link #shutdown()}; idempotent. */
  public void installShutdownHook() {
    if (hookInstalled.compareAndSet(false, true)) {
      Runtime.getRuntime().addShutdownHook(new Hook(this));
    }
  }

  /**
   * Closes every part in order, each with what is left of the budget, and returns whether all
   * finished in time. A call made while another is under way waits for it (the hook racing an
   * explicit shutdown must not let the JVM halt early); later calls return its result at once.
   */
  public boolean shutdown() {
    if (!shutDown.compareAndSet(false, true)) {
      return awaitCompletion();
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    boolean allInTime = true;
    for (GracefulCloseable part : parts) {
      Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
      Runnable close =
          () -> {
            try {
              part.close(left);
            } catch (Exception e) {
              // One part failing to close must not keep the others open.
            }
          };
      allInTime &= Deadline.runAll(List.of(close), left, "fnclients-shutdown-part");
    }
    result = allInTime;
    completed.countDown();
    return allInTime;
  }

  private boolean awaitCompletion() {
    try {
      // The first call finishes within the budget, give or take a thread's start-up.
      return completed.await(timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS) && result;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** True once {@link #shutdown()} has started. */
  /** A class of its own rather than {@code this::shutdown}: no lambda is spun on the first call. */
  private static final class Hook extends Thread {
    private final Lifecycle lifecycle;

    Hook(Lifecycle lifecycle) {
      super("fnclients-shutdown");
      this.lifecycle = lifecycle;
    }

    @Override
    public void run() {
      lifecycle.shutdown();
    }
  }

  public boolean isShutDown() {
    return shutDown.get();
  }

  /** The budget for the whole shutdown. */
  public Duration timeout() {
    return timeout;
  }
}
