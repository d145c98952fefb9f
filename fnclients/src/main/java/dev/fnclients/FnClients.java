package dev.fnclients;

import com.google.pubsub.v1.TopicName;
import dev.fnclients.grpc.GrpcConfig;
import dev.fnclients.internal.Transports;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.FnClientsMetrics;
import dev.fnclients.pubsub.FnPublisher;
import dev.fnclients.pubsub.PubsubConfig;
import dev.fnclients.pubsub.spi.FnPubsub;
import io.grpc.ManagedChannel;
import java.util.Objects;
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
 * <p>Nothing (no thread, no socket) starts before the first call. Configuration comes from
 * {@code FNCLIENTS_*} environment variables and {@code fnclients.*} system properties
 * (see {@link FnClientsConfig}), or from {@link #configure(FnClientsConfig)} before first use.
 * A JVM shutdown hook closes everything within {@link FnClientsConfig#shutdownTimeout()} (8 s by
 * default) when the platform sends SIGTERM.
 *
 * <p>HTTP needs only this artifact. gRPC needs {@code dev.fnclients:fnclients-grpc} and Pub/Sub
 * {@code dev.fnclients:fnclients-pubsub} beside it; without them {@link #grpc(String)} and
 * {@link #publisher(String)} throw an {@link IllegalStateException} naming the artifact to add.
 */
public final class FnClients {
  private static volatile FnClientsConfig configured;
  private static final FnClientsInstance RUNTIME =
      new FnClientsInstance(
          () -> {
            FnClientsConfig c = configured;
            return c != null ? c : FnClientsConfig.ofDefaults();
          },
          true);

  private FnClients() {}

  /**
   * The instance's shared OkHttp client: idle-safe, capped, retrying only when safe (see
   * the README). Derive variants with {@code http().newBuilder()...build()};
   * they share its connection pool and protections.
   */
  public static OkHttpClient http() {
    return RUNTIME.http();
  }

  /**
   * The instance's shared gRPC channel to {@code target} ({@code host:port} or a URI such as
   * {@code dns:///pubsub.googleapis.com:443}), over TLS, built on first call: reset by wall clock
   * after idle gaps, retrying {@code UNAVAILABLE} through its service config, with a default
   * deadline and an in-flight cap. Do not shut it down; the shutdown hook does.
   *
   * @throws IllegalStateException when {@code dev.fnclients:fnclients-grpc} is not on the class path
   */
  public static ManagedChannel grpc(String target) {
    Transports.GRPC.require("FnClients.grpc");
    return RUNTIME.grpc(target, GrpcConfig.ofDefaults());
  }

  /**
   * As {@link #grpc(String)} with per-target options, e.g. plaintext for an emulator:
   * {@code FnClients.grpc("localhost:8085", GrpcConfig.custom().usePlaintext().build())}. Keep the
   * options in a constant: each distinct target and options pair gets its own channel.
   */
  public static ManagedChannel grpc(String target, GrpcConfig options) {
    return RUNTIME.grpc(target, options);
  }

  /**
   * The instance's shared publisher for {@code topic} ({@code projects/P/topics/T}): a drop-in for
   * {@code Publisher.newBuilder(topic).build()} that all invocations share. Call
   * {@link FnPublisher#flush()} (or use {@link FnPublisher#publishAndWait}) before the function
   * returns. Publishes to {@code PUBSUB_EMULATOR_HOST} when it is set, otherwise to Pub/Sub over TLS
   * with Application Default Credentials. Do not shut it down; the shutdown hook flushes it.
   *
   * @throws IllegalArgumentException for an empty or malformed topic
   * @throws IllegalStateException when {@code dev.fnclients:fnclients-pubsub} is not on the class path
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

  /** As {@link #publisher(String)} with explicit options; each topic and options pair gets one publisher. */
  public static FnPublisher publisher(TopicName topic, PubsubConfig options) {
    return RUNTIME.publisher(topic, options);
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
              + "clients already use " + RUNTIME.config());
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
   * registry in {@link FnClientsConfig#meterRegistry()} to have them bound on first use. Until
   * then nothing of Micrometer's registries is loaded, and counts are kept all the same.
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
