package dev.fnclients.pool;

import dev.fnclients.pool.internal.Durations;
import dev.fnclients.spi.Settings;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The settings every FnClients client is built from. Immutable; build one with {@link #custom()} or
 * {@link #from(FnClientsConfig)}, or take {@link #ofDefaults()}.
 *
 * <p>Precedence, highest first: a builder setter; the system property {@code fnclients.<name>}
 * (kebab-case, e.g. {@code fnclients.max-idle-age}); the environment variable {@code
 * FNCLIENTS_<NAME>} (e.g. {@code FNCLIENTS_MAX_IDLE_AGE}); the default, which for {@link
 * #maxIdleAge()} depends on the detected {@link Platform}. Durations are written as {@code 500ms},
 * {@code 45s}, {@code 2m}, {@code 1h} or ISO-8601 ({@code PT45S}). A value that does not parse or
 * is out of range fails fast with an {@link InvalidConfigurationException} naming the variable and
 * the accepted range.
 */
public final class FnClientsConfig {
  private final Platform platform;
  private final Ticker ticker;
  private final MeterRegistry meterRegistry;
  private final Duration maxIdleAge;
  private final int maxConnections;
  private final int maxConnectionsPerHost;
  private final Duration capWait;
  private final Duration connectTimeout;
  private final Duration readTimeout;
  private final Duration writeTimeout;
  private final Duration callTimeout;
  private final Duration dnsTtl;
  private final Duration dnsStaleIfError;
  private final int retryMaxAttempts;
  private final Duration retryInitialBackoff;
  private final Duration retryMaxBackoff;
  private final int retryBudgetTokens;
  private final double retryBudgetTokenRatio;
  private final Set<Integer> retryStatuses;
  private final Duration retryAfterMax;
  private final Duration shutdownTimeout;

  private FnClientsConfig(Builder b) {
    this.platform = b.platform;
    this.ticker = b.ticker;
    this.meterRegistry = b.meterRegistry;
    this.maxIdleAge = b.maxIdleAge;
    this.maxConnections = b.maxConnections;
    this.maxConnectionsPerHost = b.maxConnectionsPerHost;
    this.capWait = b.capWait;
    this.connectTimeout = b.connectTimeout;
    this.readTimeout = b.readTimeout;
    this.writeTimeout = b.writeTimeout;
    this.callTimeout = b.callTimeout;
    this.dnsTtl = b.dnsTtl;
    this.dnsStaleIfError = b.dnsStaleIfError;
    this.retryMaxAttempts = b.retryMaxAttempts;
    this.retryInitialBackoff = b.retryInitialBackoff;
    this.retryMaxBackoff = b.retryMaxBackoff;
    this.retryBudgetTokens = b.retryBudgetTokens;
    this.retryBudgetTokenRatio = b.retryBudgetTokenRatio;
    this.retryStatuses = b.retryStatuses;
    this.retryAfterMax = b.retryAfterMax;
    this.shutdownTimeout = b.shutdownTimeout;
  }

  /**
   * The defaults for the detected platform, overridden by system properties and environment
   * variables.
   */
  public static FnClientsConfig ofDefaults() {
    return custom().build();
  }

  /** A builder seeded from the detected platform, system properties and environment variables. */
  public static Builder custom() {
    return custom(Environment.system());
  }

  /** A builder seeded from {@code env} instead of the real process environment. */
  public static Builder custom(Environment env) {
    return new Builder(env);
  }

  /** A builder seeded from {@code base}. */
  public static Builder from(FnClientsConfig base) {
    return new Builder(base);
  }

  /** The platform the defaults were derived from. */
  public Platform platform() {
    return platform;
  }

  /** The clock idle ages and DNS TTLs are measured with. Default {@link Ticker#systemTicker()}. */
  public Ticker ticker() {
    return ticker;
  }

  /**
   * The registry FnClients' meters are bound to on first use, if any. Default: none, so that a
   * function that exports no metrics pays nothing for them (binding Micrometer's global registry
   * loads its classes and SLF4J's into the first call); counts are kept either way, and {@code
   * FnClients.metrics().bindTo(registry)} binds them later. Pass {@code Metrics.globalRegistry} to
   * export through Micrometer's global registry.
   */
  public Optional<MeterRegistry> meterRegistry() {
    return Optional.ofNullable(meterRegistry);
  }

  /**
   * The longest a pooled connection may sit idle and still be reused; older connections are
   * discarded when taken, before a request is sent on them. Default: three quarters of the detected
   * platform's idle window (see {@link Platform}); a server's {@code Keep-Alive: timeout=} hint can
   * shorten it per connection. Range 100ms to 1h.
   */
  public Duration maxIdleAge() {
    return maxIdleAge;
  }

  /**
   * The most sockets open at once across all hosts, in use and pooled (an idle one is closed to
   * make room), and the most calls in flight at once; for synchronous and asynchronous calls alike.
   * Default 64. Range 1 to 10000.
   */
  public int maxConnections() {
    return maxConnections;
  }

  /**
   * The most sockets open at once to one host and port, whatever request of a call opens them (a
   * redirect's follow-up counts against its own destination), and the most calls in flight at once
   * to one scheme, host and port; the effective value is at most {@link #maxConnections()}. Default
   * 32. Range 1 to 10000.
   */
  public int maxConnectionsPerHost() {
    return maxConnectionsPerHost;
  }

  /**
   * The longest a call waits for a connection permit, both caps together, before {@link
   * ConnectionCapExceededException}; never longer than the call has left of {@link #callTimeout()}.
   * Default 5s. Range 0 to 10m.
   */
  public Duration capWait() {
    return capWait;
  }

  /**
   * TCP and TLS connect timeout. Default 5s (OkHttp's is 10s): a connect that takes longer is
   * better retried. Range 1ms to 5m.
   */
  public Duration connectTimeout() {
    return connectTimeout;
  }

  /** Socket read timeout; bounds a silent drop mid-response. Default 15s. Range 1ms to 10m. */
  public Duration readTimeout() {
    return readTimeout;
  }

  /** Socket write timeout. Default 15s. Range 1ms to 10m. */
  public Duration writeTimeout() {
    return writeTimeout;
  }

  /**
   * Deadline for a whole call, from {@code execute()} or {@code enqueue()}: cap wait, connects,
   * retries and their waits, and reading the body. Default 30s, half the platform's default 60s
   * function timeout. Range 1ms to 1h.
   */
  public Duration callTimeout() {
    return callTimeout;
  }

  /**
   * How long a DNS answer is reused without a new lookup. Default 30s. Range 0 (no caching) to 1h.
   */
  public Duration dnsTtl() {
    return dnsTtl;
  }

  /**
   * How long past its TTL the last good DNS answer is still served when a lookup fails. Default
   * 10m. Range 0 to 24h.
   */
  public Duration dnsStaleIfError() {
    return dnsStaleIfError;
  }

  /**
   * Attempts per call, the first included, for failures safe to retry and {@link #retryStatuses()}
   * together. Default 3. Range 1 to 10.
   */
  public int retryMaxAttempts() {
    return retryMaxAttempts;
  }

  /**
   * Wait before the first retry; it doubles each retry, with 50% jitter. Default 50ms. Range 1ms to
   * 10s.
   */
  public Duration retryInitialBackoff() {
    return retryInitialBackoff;
  }

  /**
   * The longest wait between retries (never below the initial backoff). Default 1s. Range 1ms to
   * 1m.
   */
  public Duration retryMaxBackoff() {
    return retryMaxBackoff;
  }

  /**
   * Retry budget size, in the manner of gRPC retry throttling: each failed attempt takes a token,
   * each success returns {@link #retryBudgetTokenRatio()}, and retries stop while at most half the
   * tokens are left. Default 10. Range 1 to 1000.
   */
  public int retryBudgetTokens() {
    return retryBudgetTokens;
  }

  /** Tokens a success returns to the retry budget. Default 0.1. Range 0.001 to 1. */
  public double retryBudgetTokenRatio() {
    return retryBudgetTokenRatio;
  }

  /**
   * HTTP statuses retried for requests that are safe to repeat (idempotent methods, or an {@code
   * Idempotency-Key} header), within {@link #retryMaxAttempts()}, the retry budget and the call's
   * deadline; after the last attempt the caller gets the last response. Default 408, 429, 502, 503
   * and 504; empty switches status retries off ({@code none} in the environment). Statuses 400 to
   * 599. An unmodifiable sorted set.
   */
  public Set<Integer> retryStatuses() {
    return retryStatuses;
  }

  /**
   * The longest {@code Retry-After} (on a 429 or 503) that is waited out before a retry; a longer
   * one, or one longer than what is left of the call, is not waited: the caller gets the response
   * at once, {@code Retry-After} and all. Default 10s. Range 0 to 5m.
   */
  public Duration retryAfterMax() {
    return retryAfterMax;
  }

  /**
   * How long the shutdown hook may take to flush and close every client; the platform allows about
   * 10s after SIGTERM. Default 8s. Range 0 to 1m.
   */
  public Duration shutdownTimeout() {
    return shutdownTimeout;
  }

  /** {@link #maxConnectionsPerHost()}, never more than {@link #maxConnections()}. */
  public int effectiveMaxConnectionsPerHost() {
    return Math.min(maxConnectionsPerHost, maxConnections);
  }

  /** {@link #retryMaxBackoff()}, never less than {@link #retryInitialBackoff()}. */
  public Duration effectiveRetryMaxBackoff() {
    return retryMaxBackoff.compareTo(retryInitialBackoff) < 0
        ? retryInitialBackoff
        : retryMaxBackoff;
  }

  @Override
  public String toString() {
    return "FnClientsConfig{platform="
        + platform
        + ", "
        + "maxIdleAge="
        + Durations.format(maxIdleAge)
        + ", "
        + "maxConnections="
        + maxConnections
        + ", "
        + "maxConnectionsPerHost="
        + maxConnectionsPerHost
        + ", "
        + "capWait="
        + Durations.format(capWait)
        + ", "
        + "connectTimeout="
        + Durations.format(connectTimeout)
        + ", "
        + "readTimeout="
        + Durations.format(readTimeout)
        + ", "
        + "writeTimeout="
        + Durations.format(writeTimeout)
        + ", "
        + "callTimeout="
        + Durations.format(callTimeout)
        + ", "
        + "dnsTtl="
        + Durations.format(dnsTtl)
        + ", "
        + "dnsStaleIfError="
        + Durations.format(dnsStaleIfError)
        + ", "
        + "retryMaxAttempts="
        + retryMaxAttempts
        + ", "
        + "retryInitialBackoff="
        + Durations.format(retryInitialBackoff)
        + ", "
        + "retryMaxBackoff="
        + Durations.format(retryMaxBackoff)
        + ", "
        + "retryBudgetTokens="
        + retryBudgetTokens
        + ", "
        + "retryBudgetTokenRatio="
        + retryBudgetTokenRatio
        + ", "
        + "retryStatuses="
        + Settings.RETRY_STATUSES.print(retryStatuses)
        + ", "
        + "retryAfterMax="
        + Durations.format(retryAfterMax)
        + ", "
        + "shutdownTimeout="
        + Durations.format(shutdownTimeout)
        + "}";
  }

  /** Builds a {@link FnClientsConfig}; each setter validates its value at once. */
  public static final class Builder {
    private Platform platform;
    private Ticker ticker = Ticker.systemTicker();
    private MeterRegistry meterRegistry;
    private Duration maxIdleAge;
    private int maxConnections;
    private int maxConnectionsPerHost;
    private Duration capWait;
    private Duration connectTimeout;
    private Duration readTimeout;
    private Duration writeTimeout;
    private Duration callTimeout;
    private Duration dnsTtl;
    private Duration dnsStaleIfError;
    private int retryMaxAttempts;
    private Duration retryInitialBackoff;
    private Duration retryMaxBackoff;
    private int retryBudgetTokens;
    private double retryBudgetTokenRatio;
    private Set<Integer> retryStatuses;
    private Duration retryAfterMax;
    private Duration shutdownTimeout;

    // Each setting's precedence (property, variable, default) is resolved by its declaration.
    private Builder(Environment env) {
      this.platform = Platform.detect(env);
      this.maxIdleAge = Settings.MAX_IDLE_AGE.resolve(env, platform.defaultMaxIdleAge());
      this.maxConnections = Settings.MAX_CONNECTIONS.resolve(env);
      this.maxConnectionsPerHost = Settings.MAX_CONNECTIONS_PER_HOST.resolve(env);
      this.capWait = Settings.CAP_WAIT.resolve(env);
      this.connectTimeout = Settings.CONNECT_TIMEOUT.resolve(env);
      this.readTimeout = Settings.READ_TIMEOUT.resolve(env);
      this.writeTimeout = Settings.WRITE_TIMEOUT.resolve(env);
      this.callTimeout = Settings.CALL_TIMEOUT.resolve(env);
      this.dnsTtl = Settings.DNS_TTL.resolve(env);
      this.dnsStaleIfError = Settings.DNS_STALE_IF_ERROR.resolve(env);
      this.retryMaxAttempts = Settings.RETRY_MAX_ATTEMPTS.resolve(env);
      this.retryInitialBackoff = Settings.RETRY_INITIAL_BACKOFF.resolve(env);
      this.retryMaxBackoff = Settings.RETRY_MAX_BACKOFF.resolve(env);
      this.retryBudgetTokens = Settings.RETRY_BUDGET_TOKENS.resolve(env);
      this.retryBudgetTokenRatio = Settings.RETRY_BUDGET_TOKEN_RATIO.resolve(env);
      this.retryStatuses = Settings.RETRY_STATUSES.resolve(env);
      this.retryAfterMax = Settings.RETRY_AFTER_MAX.resolve(env);
      this.shutdownTimeout = Settings.SHUTDOWN_TIMEOUT.resolve(env);
    }

    private Builder(FnClientsConfig base) {
      this.platform = base.platform;
      this.ticker = base.ticker;
      this.meterRegistry = base.meterRegistry;
      this.maxIdleAge = base.maxIdleAge;
      this.maxConnections = base.maxConnections;
      this.maxConnectionsPerHost = base.maxConnectionsPerHost;
      this.capWait = base.capWait;
      this.connectTimeout = base.connectTimeout;
      this.readTimeout = base.readTimeout;
      this.writeTimeout = base.writeTimeout;
      this.callTimeout = base.callTimeout;
      this.dnsTtl = base.dnsTtl;
      this.dnsStaleIfError = base.dnsStaleIfError;
      this.retryMaxAttempts = base.retryMaxAttempts;
      this.retryInitialBackoff = base.retryInitialBackoff;
      this.retryMaxBackoff = base.retryMaxBackoff;
      this.retryBudgetTokens = base.retryBudgetTokens;
      this.retryBudgetTokenRatio = base.retryBudgetTokenRatio;
      this.retryStatuses = base.retryStatuses;
      this.retryAfterMax = base.retryAfterMax;
      this.shutdownTimeout = base.shutdownTimeout;
    }

    /**
     * Overrides the detected platform and resets {@link #maxIdleAge(Duration)} to that platform's
     * default; call {@code maxIdleAge} afterwards to set both.
     */
    public Builder platform(Platform platform) {
      this.platform = Objects.requireNonNull(platform, "platform");
      this.maxIdleAge = platform.defaultMaxIdleAge();
      return this;
    }

    /** Sets the clock idle ages are measured with; tests pass a manual one. */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /** Sets the registry FnClients' meters are bound to on first use (default: none). */
    public Builder meterRegistry(MeterRegistry meterRegistry) {
      this.meterRegistry = Objects.requireNonNull(meterRegistry, "meterRegistry");
      return this;
    }

    /**
     * Sets {@link FnClientsConfig#maxIdleAge()}; throws {@link InvalidConfigurationException} when
     * out of range.
     */
    public Builder maxIdleAge(Duration maxIdleAge) {
      this.maxIdleAge = Settings.MAX_IDLE_AGE.check(maxIdleAge);
      return this;
    }

    /**
     * Sets {@link FnClientsConfig#maxConnections()}; throws {@link InvalidConfigurationException}
     * when out of range.
     */
    public Builder maxConnections(int maxConnections) {
      this.maxConnections = Settings.MAX_CONNECTIONS.check(maxConnections);
      return this;
    }

    /**
     * Sets {@link FnClientsConfig#maxConnectionsPerHost()}; throws {@link
     * InvalidConfigurationException} when out of range.
     */
    public Builder maxConnectionsPerHost(int maxConnectionsPerHost) {
      this.maxConnectionsPerHost = Settings.MAX_CONNECTIONS_PER_HOST.check(maxConnectionsPerHost);
      return this;
    }

    /**
     * Sets {@link FnClientsConfig#capWait()}; throws {@link InvalidConfigurationException} when out
     * of range.
     */
    public Builder capWait(Duration capWait) {
      this.capWait = Settings.CAP_WAIT.check(capWait);
      return this;
    }

    /**
     * Sets {@link FnClientsConfig#connectTimeout()}; throws {@link InvalidConfigurationException}
     * when out of range.
     */
    public Builder connectTimeout(Duration connectTimeout) {
      this.connectTimeout = Settings.CONNECT_TIMEOUT.check(connectTimeout);
      return this;
    }

    /**
     * Sets {@link FnClientsConfig#readTimeout()}; throws {@link InvalidConfigurationException} when
     * out of range.
     */
    public Builder readTimeout(Duration readTimeout) {
      this.readTimeout = Settings.READ_TIMEOUT.check(readTimeout);
      return this;
    }

    /**
     * Sets {@link FnClientsConfig#writeTimeout()}; throws {@link InvalidConfigurationException}
     * when out of range.
     */
    public Builder writeTimeout(Duration writeTimeout) {
      this.writeTimeout = Settings.WRITE_TIMEOUT.check(writeTimeout);
      return this;
    }

    /**
     * Sets {@link FnClientsConfig#callTimeout()}; throws {@link InvalidConfigurationException} when
     * out of range.
     */
    public Builder callTimeout(Duration callTimeout) {
      this.callTimeout = Settings.CALL_TIMEOUT.check(callTimeout);
      return this;
    }

    /**
     * Sets {@link FnClientsConfig#dnsTtl()}; throws {@link InvalidConfigurationException} when out
     * of range.
     */
    public Builder dnsTtl(Duration dnsTtl) {
      this.dnsTtl = Settings.DNS_TTL.check(dnsTtl);
      return this;
    }

    /**
     * Sets {@link FnClientsConfig#dnsStaleIfError()}; throws {@link InvalidConfigurationException}
     * when out of range.
     */
    public Builder dnsStaleIfError(Duration dnsStaleIfError) {
      this.dnsStaleIfError = Settings.DNS_STALE_IF_ERROR.check(dnsStaleIfError);
      return this;
    }

    /**
     * Sets {@link FnClientsConfig#retryMaxAttempts()}; throws {@link InvalidConfigurationException}
     * when out of range.
     */
    public Builder retryMaxAttempts(int retryMaxAttempts) {
      this.retryMaxAttempts = Settings.RETRY_MAX_ATTEMPTS.check(retryMaxAttempts);
      return this;
    }

    /**
     * Sets {@link FnClientsConfig#retryInitialBackoff()}; throws {@link
     * InvalidConfigurationException} when out of range.
     */
    public Builder retryInitialBackoff(Duration retryInitialBackoff) {
      this.retryInitialBackoff = Settings.RETRY_INITIAL_BACKOFF.check(retryInitialBackoff);
      return this;
    }

    /**
     * Sets {@link FnClientsConfig#retryMaxBackoff()}; throws {@link InvalidConfigurationException}
     * when out of range.
     */
    public Builder retryMaxBackoff(Duration retryMaxBackoff) {
      this.retryMaxBackoff = Settings.RETRY_MAX_BACKOFF.check(retryMaxBackoff);
      return this;
    }

    /**
     * Sets {@link FnClientsConfig#retryBudgetTokens()}; throws {@link
     * InvalidConfigurationException} when out of range.
     */
    public Builder retryBudgetTokens(int retryBudgetTokens) {
      this.retryBudgetTokens = Settings.RETRY_BUDGET_TOKENS.check(retryBudgetTokens);
      return this;
    }

    /**
     * Sets {@link FnClientsConfig#retryBudgetTokenRatio()}; throws {@link
     * InvalidConfigurationException} when out of range.
     */
    public Builder retryBudgetTokenRatio(double retryBudgetTokenRatio) {
      this.retryBudgetTokenRatio = Settings.RETRY_BUDGET_TOKEN_RATIO.check(retryBudgetTokenRatio);
      return this;
    }

    /**
     * Sets {@link FnClientsConfig#retryStatuses()}; an empty set switches status retries off.
     * Throws {@link InvalidConfigurationException} for a status outside 400 to 599.
     */
    public Builder retryStatuses(Set<Integer> retryStatuses) {
      this.retryStatuses = Settings.RETRY_STATUSES.check(retryStatuses);
      return this;
    }

    /**
     * Sets {@link FnClientsConfig#retryAfterMax()}; throws {@link InvalidConfigurationException}
     * when out of range.
     */
    public Builder retryAfterMax(Duration retryAfterMax) {
      this.retryAfterMax = Settings.RETRY_AFTER_MAX.check(retryAfterMax);
      return this;
    }

    /**
     * Sets {@link FnClientsConfig#shutdownTimeout()}; throws {@link InvalidConfigurationException}
     * when out of range.
     */
    public Builder shutdownTimeout(Duration shutdownTimeout) {
      this.shutdownTimeout = Settings.SHUTDOWN_TIMEOUT.check(shutdownTimeout);
      return this;
    }

    /** Returns the immutable configuration. */
    public FnClientsConfig build() {
      return new FnClientsConfig(this);
    }
  }
}
