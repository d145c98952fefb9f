package dev.fnclients.google;

import com.google.api.gax.core.CredentialsProvider;
import dev.fnclients.pool.InvalidConfigurationException;
import dev.fnclients.spi.Settings;
import java.util.Objects;

/**
 * Options for FnClients' Google Cloud clients ({@code FnClients.google(...)}) and for the channel
 * provider and configurator it hands to options classes. Immutable; build with {@link #custom()} or
 * {@link #from(GoogleConfig)}, or take {@link #ofDefaults()}.
 *
 * <p>Defaults: the endpoint the client's settings carry (the service's global endpoint unless the
 * settings set another), over TLS, with the credentials the settings carry (Application Default
 * Credentials unless they set others). When the service has an emulator variable and it is set
 * ({@code PUBSUB_EMULATOR_HOST}, {@code FIRESTORE_EMULATOR_HOST}, {@code DATASTORE_EMULATOR_HOST},
 * {@code SPANNER_EMULATOR_HOST}, {@code BIGTABLE_EMULATOR_HOST}), that host over plaintext with no
 * credentials, as Google's own clients do.
 *
 * <p>Every option here is builder-only, with no {@code FNCLIENTS_*} variable: each belongs to one
 * service's client, not to the instance (an endpoint or emulator for Secret Manager is wrong for
 * Spanner; the services' own emulator variables above already cover the instance-wide case), and
 * credentials are code. The {@code host:port} checks are the ones every FnClients setting uses: an
 * {@link InvalidConfigurationException} naming the option and the accepted form.
 */
public final class GoogleConfig {
  private static final GoogleConfig DEFAULTS = new Builder().build();

  private final String endpoint;
  private final String emulatorHost;
  private final CredentialsProvider credentialsProvider;

  private GoogleConfig(Builder b) {
    this.endpoint = b.endpoint;
    this.emulatorHost = b.emulatorHost;
    this.credentialsProvider = b.credentialsProvider;
  }

  /** The endpoint and credentials from the client's settings; emulator variables honoured. */
  public static GoogleConfig ofDefaults() {
    return DEFAULTS;
  }

  /** A builder starting from the defaults. */
  public static Builder custom() {
    return new Builder();
  }

  /** A builder starting from {@code base}. */
  public static Builder from(GoogleConfig base) {
    Builder b = new Builder();
    b.endpoint = base.endpoint;
    b.emulatorHost = base.emulatorHost;
    b.credentialsProvider = base.credentialsProvider;
    return b;
  }

  /**
   * The {@code host:port} that replaces the endpoint the settings resolve to, or {@code null}
   * (default).
   */
  public String endpoint() {
    return endpoint;
  }

  /**
   * The emulator or loopback server to talk to, {@code host:port}, over plaintext, with no
   * credentials unless {@link #credentialsProvider()} gives some; {@code null} (default) means the
   * service's emulator variable, if any is set.
   */
  public String emulatorHost() {
    return emulatorHost;
  }

  /** Credentials that replace the ones the settings carry, or {@code null} (default). */
  public CredentialsProvider credentialsProvider() {
    return credentialsProvider;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof GoogleConfig)) {
      return false;
    }
    GoogleConfig other = (GoogleConfig) o;
    return Objects.equals(endpoint, other.endpoint)
        && Objects.equals(emulatorHost, other.emulatorHost)
        && credentialsProvider == other.credentialsProvider;
  }

  @Override
  public int hashCode() {
    return Objects.hash(endpoint, emulatorHost, System.identityHashCode(credentialsProvider));
  }

  @Override
  public String toString() {
    return "GoogleConfig{endpoint="
        + endpoint
        + ", emulatorHost="
        + emulatorHost
        + ", credentials="
        + (credentialsProvider == null ? "from settings" : "given")
        + "}";
  }

  /** Builds a {@link GoogleConfig}; setters validate at once. */
  public static final class Builder {
    private String endpoint;
    private String emulatorHost;
    private CredentialsProvider credentialsProvider;

    private Builder() {}

    /**
     * Connects to {@code host:port} over TLS instead of the endpoint the settings resolve to, e.g.
     * a regional endpoint for an options class whose own host setting a channel provider does not
     * see (Spanner's {@code setHost}).
     */
    public Builder endpoint(String hostPort) {
      this.endpoint = Settings.hostPort("endpoint", hostPort);
      return this;
    }

    /**
     * Talks to an emulator or loopback server at {@code host:port}: plaintext, no credentials
     * unless given here.
     */
    public Builder emulatorHost(String hostPort) {
      this.emulatorHost = Settings.hostPort("emulatorHost", hostPort);
      return this;
    }

    /** Uses {@code provider}'s credentials instead of the ones the settings carry. */
    public Builder credentialsProvider(CredentialsProvider provider) {
      this.credentialsProvider = Objects.requireNonNull(provider, "credentialsProvider");
      return this;
    }

    /** Returns the immutable configuration. */
    public GoogleConfig build() {
      return new GoogleConfig(this);
    }
  }
}
