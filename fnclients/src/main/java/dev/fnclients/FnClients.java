package dev.fnclients;

import com.google.api.core.ApiFunction;
import com.google.api.gax.core.BackgroundResource;
import com.google.api.gax.rpc.ClientSettings;
import com.google.api.gax.rpc.TransportChannelProvider;
import com.google.pubsub.v1.TopicName;
import dev.fnclients.google.GoogleConfig;
import dev.fnclients.grpc.GrpcConfig;
import dev.fnclients.internal.Transports;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.FnClientsMetrics;
import dev.fnclients.pubsub.FnPublisher;
import dev.fnclients.pubsub.PubsubConfig;
import dev.fnclients.pubsub.spi.FnPubsub;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.Objects;
import java.util.function.Supplier;
import okhttp3.OkHttpClient;

/**
 * Instance-global, lazily built network clients for serverless functions. Call these from your
 * function on every invocation; each returns the same pooled client for the life of the instance.
 *
 * <pre>{@code
 * public class MyFunction implements HttpFunction {
 *   public void service(HttpRequest request, HttpResponse response) throws IOException {
 *     Request upstream = new Request.Builder().url("https://api.example.com/items").build();
 *     try (Response r = FnClients.http().newCall(upstream).execute()) {
 *       response.getWriter().write(r.body().string());
 *     }
 *   }
 * }
 * }</pre>
 *
 * <p>Nothing (no thread, no socket) starts before the first call. Configuration comes from {@code
 * FNCLIENTS_*} environment variables and {@code fnclients.*} system properties (see {@link
 * FnClientsConfig}), or from {@link #configure(FnClientsConfig)} before first use. A JVM shutdown
 * hook closes everything within {@link FnClientsConfig#shutdownTimeout()} (8 s by default) when the
 * platform sends SIGTERM.
 *
 * <p>HTTP and {@link #shared(Class, Supplier)} need only this artifact. gRPC needs {@code
 * dev.fnclients:fnclients-grpc}, Pub/Sub {@code dev.fnclients:fnclients-pubsub} and Google Cloud
 * clients {@code dev.fnclients:fnclients-google} beside it; without them {@link #grpc(String)},
 * {@link #publisher(String)} and {@link #google(Class)} throw an {@link IllegalStateException}
 * naming the artifact to add.
 */
public final class FnClients {
  private static volatile FnClientsConfig configured;
  // The process's instance reads its configuration from configuredOrDefaults() (a null source):
  // no supplier class to load on a cold start.
  private static final FnClientsInstance RUNTIME = new FnClientsInstance(null, true);

  /** The configuration given to {@link #configure}, else the defaults. */
  static FnClientsConfig configuredOrDefaults() {
    FnClientsConfig c = configured;
    return c != null ? c : FnClientsConfig.ofDefaults();
  }

  private FnClients() {}

  /**
   * The instance's shared OkHttp client: idle-safe, capped, retrying only when safe (see the
   * README). Derive variants with {@code http().newBuilder()...build()}; they share its connection
   * pool and protections.
   */
  public static OkHttpClient http() {
    return RUNTIME.http();
  }

  /**
   * The instance's shared gRPC channel to {@code target} ({@code host:port} or a URI such as {@code
   * dns:///pubsub.googleapis.com:443}), over TLS, built on first call: reset by wall clock after
   * idle gaps, retrying {@code UNAVAILABLE} through its service config, with a default deadline and
   * an in-flight cap. Do not shut it down; the shutdown hook does.
   *
   * @throws IllegalStateException when {@code dev.fnclients:fnclients-grpc} is not on the class
   *     path
   */
  public static ManagedChannel grpc(String target) {
    Transports.GRPC.require("FnClients.grpc");
    return RUNTIME.grpc(target, GrpcConfig.ofDefaults());
  }

  /**
   * As {@link #grpc(String)} with per-target options, e.g. plaintext for an emulator: {@code
   * FnClients.grpc("localhost:8085", GrpcConfig.custom().usePlaintext().build())}. Keep the options
   * in a constant: each distinct target and options pair gets its own channel.
   */
  public static ManagedChannel grpc(String target, GrpcConfig options) {
    return RUNTIME.grpc(target, options);
  }

  /**
   * The instance's shared publisher for {@code topic} ({@code projects/P/topics/T}): a drop-in for
   * {@code Publisher.newBuilder(topic).build()} that all invocations share. Call {@link
   * FnPublisher#flush()} (or use {@link FnPublisher#publishAndWait}) before the function returns.
   * Publishes to {@code PUBSUB_EMULATOR_HOST} when it is set, otherwise to Pub/Sub over TLS with
   * Application Default Credentials. Do not shut it down; the shutdown hook flushes it.
   *
   * @throws IllegalArgumentException for an empty or malformed topic
   * @throws IllegalStateException when {@code dev.fnclients:fnclients-pubsub} is not on the class
   *     path
   */
  public static FnPublisher publisher(String topic) {
    Transports.PUBSUB.require("FnClients.publisher");
    return publisher(FnPubsub.topic(topic));
  }

  /** As {@link #publisher(String)}. */
  public static FnPublisher publisher(TopicName topic) {
    Transports.PUBSUB.require("FnClients.publisher");
    return RUNTIME.publisher(topic, PubsubConfig.ofDefaults());
  }

  /**
   * As {@link #publisher(String)} with explicit options; each topic and options pair gets one
   * publisher.
   */
  public static FnPublisher publisher(TopicName topic, PubsubConfig options) {
    return RUNTIME.publisher(topic, options);
  }

  /**
   * The instance's shared GAPIC client of class {@code client} (any Google Cloud Java client built
   * with {@code XClient.create(XSettings)}: Secret Manager, Natural Language, Cloud Tasks,
   * Translation, Pub/Sub's admin clients...), with the settings' defaults:
   *
   * <pre>{@code
   * SecretManagerServiceClient secrets = FnClients.google(SecretManagerServiceClient.class);
   * }</pre>
   *
   * Built on first call over {@link #grpc(String)}'s idle-safe channel for its endpoint (TLS, no
   * retry policy of the channel's own: the client retries with its own settings), with one small
   * executor all such clients share, Application Default Credentials attached to each call, and the
   * service's emulator variable honoured ({@code PUBSUB_EMULATOR_HOST}, {@code
   * FIRESTORE_EMULATOR_HOST}, ...: plaintext, no credentials). Do not close it; the shutdown hook
   * does.
   *
   * @throws IllegalArgumentException when {@code client} is not a GAPIC client
   * @throws java.io.UncheckedIOException when it cannot be built, e.g. no credentials are found
   *     (the next call tries again)
   * @throws IllegalStateException when {@code dev.fnclients:fnclients-google} is not on the class
   *     path
   */
  public static <C extends BackgroundResource> C google(Class<C> client) {
    Transports.GOOGLE.require("FnClients.google");
    return RUNTIME.google(client, null, GoogleConfig.ofDefaults());
  }

  /**
   * As {@link #google(Class)}, built from the settings {@code settings} supplies; it is called
   * once, when the client is built, and its endpoint, credentials, quota project and retry settings
   * are kept: {@code FnClients.google(TranslationServiceClient.class, () ->
   * TranslationServiceSettings.newBuilder().setQuotaProjectId("billing-project"))}. The client is
   * keyed by its class: every call for that class gets the client the first call built.
   */
  public static <C extends BackgroundResource> C google(
      Class<C> client, Supplier<? extends ClientSettings.Builder<?, ?>> settings) {
    Transports.GOOGLE.require("FnClients.google");
    return RUNTIME.google(client, settings, GoogleConfig.ofDefaults());
  }

  /**
   * As {@link #google(Class, Supplier)} with FnClients' options (an endpoint, an emulator,
   * credentials); each class and options pair gets one client. {@code settings} may be {@code null}
   * for the defaults.
   */
  public static <C extends BackgroundResource> C google(
      Class<C> client,
      Supplier<? extends ClientSettings.Builder<?, ?>> settings,
      GoogleConfig options) {
    Transports.GOOGLE.require("FnClients.google");
    return RUNTIME.google(client, settings, options);
  }

  /**
   * A GAX channel provider over this instance's idle-safe shared channels, for options classes that
   * build their clients themselves but accept a channel provider, e.g. {@code
   * SpannerOptions.newBuilder().setChannelProvider(FnClients.googleChannelProvider())}. Calls go to
   * the endpoint GAX resolves from the client's settings (or the service's emulator when its
   * variable is set). Build the client itself once, e.g. in {@link #shared(Class, Supplier)}.
   */
  public static TransportChannelProvider googleChannelProvider() {
    Transports.GOOGLE.require("FnClients.googleChannelProvider");
    return RUNTIME.googleChannelProvider(GoogleConfig.ofDefaults());
  }

  /**
   * As {@link #googleChannelProvider()} with an endpoint, emulator or credentials from {@code
   * options}.
   */
  public static TransportChannelProvider googleChannelProvider(GoogleConfig options) {
    Transports.GOOGLE.require("FnClients.googleChannelProvider");
    return RUNTIME.googleChannelProvider(options);
  }

  /**
   * A channel configurator for GAX's {@code InstantiatingGrpcChannelProvider}, the only provider
   * Firestore and Datastore accept: each channel it builds gets the idle reset, the default
   * deadline, the in-flight cap and the metrics of {@link #grpc(String)}; the provider keeps its
   * own pool, endpoint, TLS and headers, and the client its retries. Apply it last. (Firestore and
   * Datastore replace the channel provider, configurator included, with their own when their
   * emulator variable is set.)
   */
  @SuppressWarnings("rawtypes")
  public static ApiFunction<ManagedChannelBuilder, ManagedChannelBuilder>
      googleChannelConfigurator() {
    Transports.GOOGLE.require("FnClients.googleChannelConfigurator");
    return RUNTIME.googleChannelConfigurator();
  }

  /**
   * The instance's shared object of {@code type}, built by {@code factory} on first call: any
   * client that must be built its own way (a {@code Firestore}, a {@code Spanner}, a {@code
   * Storage} client, a JDBC {@code DataSource}). Built exactly once however many invocations ask at
   * once; a factory that throws leaves nothing behind and the next call builds again. The shutdown
   * hook closes it ({@link AutoCloseable#close()}, or shutdown for an {@code ExecutorService})
   * within the budget, before the channels it may use. What FnClients cannot do from outside the
   * object (its own connection handling) is listed per kind in the README.
   *
   * <pre>{@code
   * Firestore db = FnClients.shared(Firestore.class, () -> FirestoreOptions.getDefaultInstance().getService());
   * }</pre>
   */
  public static <T> T shared(Class<T> type, Supplier<? extends T> factory) {
    return RUNTIME.shared(type.getName(), type, factory);
  }

  /**
   * As {@link #shared(Class, Supplier)}, for several objects of one type: each name and type pair
   * gets one.
   */
  public static <T> T shared(String name, Class<T> type, Supplier<? extends T> factory) {
    return RUNTIME.shared(name, type, factory);
  }

  /**
   * Sets the configuration; must be called before the first client is asked for.
   *
   * @throws IllegalStateException when a client has already been built with another configuration
   */
  public static synchronized void configure(FnClientsConfig config) {
    if (RUNTIME.isStarted()) {
      throw new IllegalStateException(
          "FnClients.configure must be called before the first client is asked for; "
              + "clients already use "
              + RUNTIME.config());
    }
    configured = Objects.requireNonNull(config, "config");
  }

  /** The configuration in force (resolving it if no client has been asked for yet). */
  public static FnClientsConfig config() {
    return RUNTIME.config();
  }

  /**
   * FnClients' meters as a Micrometer {@code MeterBinder}, readable directly too: bind them with
   * {@code FnClients.metrics().bindTo(registry)} (e.g. {@code Metrics.globalRegistry}), or name a
   * registry in {@link FnClientsConfig#meterRegistry()} to have them bound on first use. Until then
   * nothing of Micrometer's registries is loaded, and counts are kept all the same.
   */
  public static FnClientsMetrics metrics() {
    return RUNTIME.metrics();
  }

  /**
   * Flushes and closes every client now, within {@link FnClientsConfig#shutdownTimeout()}, and
   * returns whether all closed in time. The shutdown hook does this on SIGTERM; call it yourself
   * only when the process is about to end. Idempotent.
   */
  public static boolean shutdown() {
    return RUNTIME.shutdown();
  }
}
