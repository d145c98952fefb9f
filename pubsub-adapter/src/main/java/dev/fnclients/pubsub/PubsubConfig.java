package dev.fnclients.pubsub;

import com.google.api.gax.core.CredentialsProvider;
import dev.fnclients.pool.Environment;
import dev.fnclients.pool.InvalidConfigurationException;
import dev.fnclients.spi.Settings;
import java.time.Duration;
import java.util.Objects;

/**
 * Options for FnClients' Pub/Sub publishers. Immutable; build with {@link #custom()} or {@link
 * #from(PubsubConfig)}, or take {@link #ofDefaults()}.
 *
 * <p>Defaults: endpoint {@code pubsub.googleapis.com:443} over TLS with Application Default
 * Credentials; when {@code PUBSUB_EMULATOR_HOST} is set (as the other languages' clients honour
 * it), that host over plaintext with no credentials. Publish timeout (the client's whole retry
 * budget per message) 20 s, against the client's own 600 s; flush timeout 10 s.
 *
 * <p>The endpoint and both timeouts can also be set without code, with the same precedence as
 * {@code FnClientsConfig} (builder setter, then system property, then environment variable, then
 * default) and the same validation: {@code FNCLIENTS_PUBSUB_ENDPOINT} ({@code
 * fnclients.pubsub-endpoint}), {@code FNCLIENTS_PUBSUB_PUBLISH_TIMEOUT} and {@code
 * FNCLIENTS_PUBSUB_FLUSH_TIMEOUT}; a value that is empty, does not parse or is out of range fails
 * with an {@link InvalidConfigurationException} naming the variable and the accepted range. The
 * emulator is found by {@value #EMULATOR_HOST_VARIABLE}, the variable Google's clients in every
 * language honour, and checked the same way. Credentials are builder-only: they are code.
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
    b.endpoint = Settings.PUBSUB_ENDPOINT.resolve(env);
    b.publishTimeout = Settings.PUBSUB_PUBLISH_TIMEOUT.resolve(env);
    b.flushTimeout = Settings.PUBSUB_FLUSH_TIMEOUT.resolve(env);
    // Google's variable, not an FNCLIENTS_ one: unset or blank means no emulator, as in Google's
    // clients.
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

  /**
   * The Pub/Sub client's total retry budget for one message. Default 20s; 10s (the client's
   * minimum) to 10m.
   */
  public Duration publishTimeout() {
    return publishTimeout;
  }

  /**
   * How long {@link FnPublisher#flush()} and {@link FnPublisher#publishAndWait} wait. Default 10s;
   * 1ms to 10m.
   */
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
    return Objects.hash(
        endpoint,
        emulatorHost,
        publishTimeout,
        flushTimeout,
        System.identityHashCode(credentialsProvider));
  }

  @Override
  public String toString() {
    return "PubsubConfig{target="
        + target()
        + ", emulator="
        + usesEmulator()
        + ", publishTimeout="
        + publishTimeout
        + ", flushTimeout="
        + flushTimeout
        + "}";
  }

  /** Builds a {@link PubsubConfig}; setters validate at once. */
  public static final class Builder {
    private String endpoint;
    private String emulatorHost;
    private Duration publishTimeout;
    private Duration flushTimeout;
    private CredentialsProvider credentialsProvider;

    private Builder() {}

    /** Sets the endpoint, {@code host:port}, e.g. a regional one. */
    public Builder endpoint(String endpoint) {
      this.endpoint = Settings.PUBSUB_ENDPOINT.check(endpoint);
      return this;
    }

    /** Publishes to an emulator at {@code host:port}: plaintext, no credentials. */
    public Builder emulatorHost(String hostPort) {
      this.emulatorHost = Settings.hostPort(EMULATOR_HOST_VARIABLE, hostPort);
      return this;
    }

    /** Sets the per-message retry budget; 10 s to 10 min. */
    public Builder publishTimeout(Duration timeout) {
      this.publishTimeout = Settings.PUBSUB_PUBLISH_TIMEOUT.check(timeout);
      return this;
    }

    /** Sets how long flushes wait; 1 ms to 10 min. */
    public Builder flushTimeout(Duration timeout) {
      this.flushTimeout = Settings.PUBSUB_FLUSH_TIMEOUT.check(timeout);
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
  }
}
