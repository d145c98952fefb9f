package dev.fnclients.grpc;

import dev.fnclients.pool.Environment;
import dev.fnclients.pool.InvalidConfigurationException;
import dev.fnclients.spi.Settings;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Per-target options for a shared gRPC channel. Immutable; build one with {@link #custom()} or
 * {@link #from(GrpcConfig)}, or take {@link #ofDefaults()}. Whatever is set here, the channel keeps
 * its protections: the idle reset before a call, the default deadline and the in-flight cap.
 *
 * <p>Defaults: TLS with the platform's trust store ({@link #plaintext()} {@code false}); default
 * deadline = {@code FnClientsConfig.callTimeout()} (30 s); retryable codes {@code UNAVAILABLE}; at
 * most 100 calls in flight, waiting {@code FnClientsConfig.capWait()} (5 s) for a free slot; no
 * builder customizer.
 *
 * <p>The instance-wide options can also be set without code, with the same precedence as {@code
 * FnClientsConfig} (builder setter, then system property, then environment variable, then default)
 * and the same validation: {@code FNCLIENTS_GRPC_MAX_IN_FLIGHT_CALLS} ({@code
 * fnclients.grpc-max-in-flight-calls}), {@code FNCLIENTS_GRPC_DEFAULT_DEADLINE} and {@code
 * FNCLIENTS_GRPC_CAP_WAIT}. A value that is empty, does not parse or is out of range fails with an
 * {@link InvalidConfigurationException} naming the variable and the accepted range. The rest are
 * builder-only because they belong to one target, not to the instance: plaintext is right for an
 * emulator and wrong for production; which status codes are safe to retry depends on the service's
 * methods; a customizer is code.
 */
public final class GrpcConfig {
  // Resolved from the process environment on first use; not in a static initializer, so that an
  // invalid variable fails each call with InvalidConfigurationException (not once with an
  // ExceptionInInitializerError and then NoClassDefFoundError), and the next call tries again.
  private static volatile GrpcConfig defaults;

  private final boolean plaintext;
  private final Duration defaultDeadline;
  private final Set<Status.Code> retryableStatusCodes;
  private final int maxInFlightCalls;
  private final Duration capWait;
  private final Consumer<ManagedChannelBuilder<?>> customizer;

  private GrpcConfig(Builder b) {
    this.plaintext = b.plaintext;
    this.defaultDeadline = b.defaultDeadline;
    this.retryableStatusCodes = Set.copyOf(b.retryableStatusCodes);
    this.maxInFlightCalls = b.maxInFlightCalls;
    this.capWait = b.capWait;
    this.customizer = b.customizer;
  }

  /**
   * TLS, default deadline from {@code FnClientsConfig}, retry {@code UNAVAILABLE}, 100 calls in
   * flight; {@code FNCLIENTS_GRPC_*} variables and {@code fnclients.grpc-*} properties applied.
   */
  public static GrpcConfig ofDefaults() {
    GrpcConfig d = defaults;
    if (d == null) {
      d = custom().build();
      defaults = d;
    }
    return d;
  }

  /** A builder starting from the defaults and the process's {@code FNCLIENTS_GRPC_*} settings. */
  public static Builder custom() {
    return custom(Environment.system());
  }

  /** A builder starting from the defaults and {@code env}'s {@code FNCLIENTS_GRPC_*} settings. */
  public static Builder custom(Environment env) {
    return new Builder(env);
  }

  /** A builder starting from {@code base}. */
  public static Builder from(GrpcConfig base) {
    return new Builder(base);
  }

  /**
   * True when the channel speaks plaintext (emulators, loopback); TLS otherwise. Default {@code
   * false}.
   */
  public boolean plaintext() {
    return plaintext;
  }

  /**
   * The deadline given to calls that set none, or {@code null} to use {@code
   * FnClientsConfig.callTimeout()} (30 s by default). Without one, a call on a silently dropped
   * connection would wait forever.
   */
  public Duration defaultDeadline() {
    return defaultDeadline;
  }

  /**
   * Status codes the channel's retry policy retries; empty for no retry policy. Default {@code
   * UNAVAILABLE}.
   */
  public Set<Status.Code> retryableStatusCodes() {
    return retryableStatusCodes;
  }

  /**
   * The most calls in flight on the channel at once; more wait up to {@code capWait}. Default 100;
   * 1 to 100000.
   */
  public int maxInFlightCalls() {
    return maxInFlightCalls;
  }

  /**
   * How long a call that finds {@link #maxInFlightCalls()} calls in flight waits for one to end
   * before it fails {@code RESOURCE_EXHAUSTED}, or {@code null} to use {@code
   * FnClientsConfig.capWait()} (5 s by default). The wait blocks the thread that starts the call;
   * zero fails at once, for clients that start calls on their own few threads and retry {@code
   * RESOURCE_EXHAUSTED} themselves (the Pub/Sub publisher does).
   */
  public Duration capWait() {
    return capWait;
  }

  /** Applied to the channel builder after FnClients' own settings. Default: does nothing. */
  public Consumer<ManagedChannelBuilder<?>> customizer() {
    return customizer;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof GrpcConfig)) {
      return false;
    }
    GrpcConfig other = (GrpcConfig) o;
    return plaintext == other.plaintext
        && Objects.equals(defaultDeadline, other.defaultDeadline)
        && retryableStatusCodes.equals(other.retryableStatusCodes)
        && maxInFlightCalls == other.maxInFlightCalls
        && Objects.equals(capWait, other.capWait)
        && customizer == other.customizer;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        plaintext,
        defaultDeadline,
        retryableStatusCodes,
        maxInFlightCalls,
        capWait,
        System.identityHashCode(customizer));
  }

  @Override
  public String toString() {
    return "GrpcConfig{plaintext="
        + plaintext
        + ", defaultDeadline="
        + defaultDeadline
        + ", retryableStatusCodes="
        + retryableStatusCodes
        + ", maxInFlightCalls="
        + maxInFlightCalls
        + ", capWait="
        + capWait
        + "}";
  }

  /** Builds a {@link GrpcConfig}; setters validate at once. */
  public static final class Builder {
    private static final Consumer<ManagedChannelBuilder<?>> NO_CUSTOMIZER = b -> {};

    private boolean plaintext;
    private Duration defaultDeadline;
    private Set<Status.Code> retryableStatusCodes = EnumSet.of(Status.Code.UNAVAILABLE);
    private int maxInFlightCalls;
    private Duration capWait;
    private Consumer<ManagedChannelBuilder<?>> customizer = NO_CUSTOMIZER;

    private Builder(Environment env) {
      this.defaultDeadline = Settings.GRPC_DEFAULT_DEADLINE.resolve(env);
      this.maxInFlightCalls = Settings.GRPC_MAX_IN_FLIGHT_CALLS.resolve(env);
      this.capWait = Settings.GRPC_CAP_WAIT.resolve(env);
    }

    private Builder(GrpcConfig base) {
      this.plaintext = base.plaintext;
      this.defaultDeadline = base.defaultDeadline;
      this.retryableStatusCodes = EnumSet.noneOf(Status.Code.class);
      this.retryableStatusCodes.addAll(base.retryableStatusCodes);
      this.maxInFlightCalls = base.maxInFlightCalls;
      this.capWait = base.capWait;
      this.customizer = base.customizer;
    }

    /** Speak plaintext: only for emulators and loopback, where there is no TLS to verify. */
    public Builder usePlaintext() {
      this.plaintext = true;
      return this;
    }

    /** Sets the deadline for calls that set none; 1 ms to 1 h. */
    public Builder defaultDeadline(Duration deadline) {
      this.defaultDeadline = Settings.GRPC_DEFAULT_DEADLINE.check(deadline);
      return this;
    }

    /** Sets the status codes to retry; at least one, never {@code OK}. */
    public Builder retryableStatusCodes(Status.Code... codes) {
      EnumSet<Status.Code> set = EnumSet.noneOf(Status.Code.class);
      for (Status.Code code : codes) {
        set.add(Objects.requireNonNull(code, "code"));
      }
      if (set.isEmpty() || set.contains(Status.Code.OK)) {
        throw new InvalidConfigurationException(
            "retryableStatusCodes",
            "retryableStatusCodes must name at least one status code other than OK, was " + set);
      }
      this.retryableStatusCodes = set;
      return this;
    }

    /**
     * Leaves the retry policy out of the service config, for clients that retry on their own (the
     * Pub/Sub client does), so that failures are not retried at two layers. Transparent retries,
     * for calls that never left the client, stay on.
     */
    public Builder noRetryPolicy() {
      this.retryableStatusCodes = EnumSet.noneOf(Status.Code.class);
      return this;
    }

    /** Sets the in-flight call cap; 1 to 100000. */
    public Builder maxInFlightCalls(int max) {
      this.maxInFlightCalls = Settings.GRPC_MAX_IN_FLIGHT_CALLS.check(max);
      return this;
    }

    /** Sets how long a call waits for a free in-flight slot; 0 (fail at once) to 10 min. */
    public Builder capWait(Duration wait) {
      this.capWait = Settings.GRPC_CAP_WAIT.check(wait);
      return this;
    }

    /**
     * Adjusts the channel builder (e.g. interceptors, credentials, message limits) after FnClients'
     * settings.
     */
    public Builder customizer(Consumer<ManagedChannelBuilder<?>> customizer) {
      this.customizer = Objects.requireNonNull(customizer, "customizer");
      return this;
    }

    /** Returns the immutable configuration. */
    public GrpcConfig build() {
      return new GrpcConfig(this);
    }
  }
}
