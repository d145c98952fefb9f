package dev.fnclients.pubsub;

import com.google.api.gax.core.CredentialsProvider;
import dev.fnclients.pool.Environment;
import dev.fnclients.pool.InvalidConfigurationException;
import java.time.Duration;
import java.util.Objects;

/**
 * Options for FnClients' Pub/Sub publishers. Immutable; build with {@link #custom()} or
 * {@link #from(PubsubConfig)}, or take {@link #ofDefaults()}.
 *
 * <p>Defaults: endpoint {@code pubsub.googleapis.com:443} over TLS with Application Default
 * Credentials; when {@code PUBSUB_EMULATOR_HOST} is set (as the other languages' clients honour
 * it), that host over plaintext with no credentials. Publish timeout (the client's whole retry
 * budget per message) 20 s, against the client's own 600 s; flush timeout 10 s.
 */
public final class PubsubConfig {
  /** Pub/Sub's global endpoint. */
  public static final String DEFAULT_ENDPOINT = "pubsub.googleapis.com:443";
  /** The environment variable the emulator is found by. */
  public static final String EMULATOR_HOST_VARIABLE = "PUBSUB_EMULATOR_HOST";

  private final String endpoint;
  private final String emulatorHost;
  private final Duration publishTimeout;
  private final Duration flushTimeout;
  private final CredentialsProvider credentialsProvider;

  private PubsubConfig(Builder b) {
    this.endpoint = b.endpoint;
    this.emulatorHost = b.emulatorHost;
    this.publishTimeout = b.publishTimeout;
    this.flushTimeout = b.flushTimeout;
    this.credentialsProvider = b.credentialsProvider;
  }

  /** The defaults, with {@code PUBSUB_EMULATOR_HOST} read from the process environment. */
  public static PubsubConfig ofDefaults() {
    return custom().build();
  }

  /** A builder seeded from the defaults and the process environment. */
  public static Builder custom() {
    return custom(Environment.system());
  }

  /** A builder seeded from the defaults and {@code env}. */
  public static Builder custom(Environment env) {
    Builder b = new Builder();
    String emulator = env.getenv(EMULATOR_HOST_VARIABLE);
    if (emulator != null && !emulator.isBlank()) {
      b.emulatorHost(emulator);
    }
    return b;
  }

  /** A builder seeded from {@code base}. */
  public static Builder from(PubsubConfig base) {
    Builder b = new Builder();
    b.endpoint = base.endpoint;
    b.emulatorHost = base.emulatorHost;
    b.publishTimeout = base.publishTimeout;
    b.flushTimeout = base.flushTimeout;
    b.credentialsProvider = base.credentialsProvider;
    return b;
  }

  /** The {@code host:port} publishers connect to: the emulator when set, else the endpoint. */
  public String target() {
    return emulatorHost != null ? emulatorHost : endpoint;
  }

  /** True when talking to an emulator: plaintext, no credentials. */
  public boolean usesEmulator() {
    return emulatorHost != null;
  }

  /** The endpoint. Default {@value #DEFAULT_ENDPOINT}. */
  public String endpoint() {
    return endpoint;
  }

  /** The emulator's {@code host:port}, or {@code null}. Default {@code PUBSUB_EMULATOR_HOST}. */
  public String emulatorHost() {
    return emulatorHost;
  }

  /** The Pub/Sub client's total retry budget for one message. Default 20 s; 10 s (the client's minimum) to 10 min. */
  public Duration publishTimeout() {
    return publishTimeout;
  }

  /** How long {@link FnPublisher#flush()} and {@link FnPublisher#publishAndWait} wait. Default 10 s. */
  public Duration flushTimeout() {
    return flushTimeout;
  }

  /** Credentials; {@code null} means Application Default Credentials (none with an emulator). */
  public CredentialsProvider credentialsProvider() {
    return credentialsProvider;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof PubsubConfig)) {
      return false;
    }
    PubsubConfig other = (PubsubConfig) o;
    return endpoint.equals(other.endpoint)
        && Objects.equals(emulatorHost, other.emulatorHost)
        && publishTimeout.equals(other.publishTimeout)
        && flushTimeout.equals(other.flushTimeout)
        && credentialsProvider == other.credentialsProvider;
  }

  @Override
  public int hashCode() {
    return Objects.hash(endpoint, emulatorHost, publishTimeout, flushTimeout, System.identityHashCode(credentialsProvider));
  }

  @Override
  public String toString() {
    return "PubsubConfig{target=" + target() + ", emulator=" + usesEmulator() + ", publishTimeout=" + publishTimeout
        + ", flushTimeout=" + flushTimeout + "}";
  }

  /** Builds a {@link PubsubConfig}; setters validate at once. */
  public static final class Builder {
    private String endpoint = DEFAULT_ENDPOINT;
    private String emulatorHost;
    private Duration publishTimeout = Duration.ofSeconds(20);
    private Duration flushTimeout = Duration.ofSeconds(10);
    private CredentialsProvider credentialsProvider;

    private Builder() {}

    /** Sets the endpoint, {@code host:port}, e.g. a regional one. */
    public Builder endpoint(String endpoint) {
      this.endpoint = hostPort("endpoint", endpoint);
      return this;
    }

    /** Publishes to an emulator at {@code host:port}: plaintext, no credentials. */
    public Builder emulatorHost(String hostPort) {
      this.emulatorHost = hostPort(EMULATOR_HOST_VARIABLE, hostPort);
      return this;
    }

    /** Sets the per-message retry budget; 10 s to 10 min. */
    public Builder publishTimeout(Duration timeout) {
      this.publishTimeout = within("publishTimeout", timeout, Duration.ofSeconds(10), Duration.ofMinutes(10));
      return this;
    }

    /** Sets how long flushes wait; 1 ms to 10 min. */
    public Builder flushTimeout(Duration timeout) {
      this.flushTimeout = within("flushTimeout", timeout, Duration.ofMillis(1), Duration.ofMinutes(10));
      return this;
    }

    /** Sets the credentials, overriding Application Default Credentials. */
    public Builder credentialsProvider(CredentialsProvider provider) {
      this.credentialsProvider = Objects.requireNonNull(provider, "credentialsProvider");
      return this;
    }

    /** Returns the immutable configuration. */
    public PubsubConfig build() {
      return new PubsubConfig(this);
    }

    private static String hostPort(String setting, String value) {
      if (value == null || !value.trim().matches("[^\\s/:]+:\\d{1,5}|\\[[0-9a-fA-F:]+\\]:\\d{1,5}")) {
        throw new InvalidConfigurationException(setting, setting + " must be host:port, e.g. localhost:8085, was '" + value + "'");
      }
      return value.trim();
    }

    private static Duration within(String setting, Duration value, Duration min, Duration max) {
      if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
        throw new InvalidConfigurationException(
            setting, setting + " must be between " + min.toMillis() + " ms and " + max.toMillis() + " ms, was " + value);
      }
      return value;
    }
  }
}
