package dev.fnclients.examples;

import dev.fnclients.testkit.IdleKillingProxy;
import dev.fnclients.testkit.LoopbackHttpServer;
import dev.fnclients.testkit.grpc.EchoGrpcServer;
import dev.fnclients.testkit.pubsub.LoopbackPubsubServer;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The three upstreams an example function calls, on loopback, each behind an {@link
 * IdleKillingProxy} without an idle limit, used only as a connection counter: every connection the
 * function opens is one the proxy accepts (and one the server sees).
 *
 * <ul>
 *   <li>HTTP: a {@link LoopbackHttpServer} answering {@code 200 ok}
 *   <li>gRPC: an {@link EchoGrpcServer} ({@code SAY})
 *   <li>Pub/Sub: a {@link LoopbackPubsubServer} (the official {@code Publisher} service)
 * </ul>
 */
final class Upstreams implements AutoCloseable {
  static final String TOPIC = "projects/fn-example/topics/orders";

  /** The upstreams, in the order their counts are reported. */
  enum Kind {
    HTTP("HTTP"),
    GRPC("gRPC"),
    PUBSUB("Pub/Sub");

    final String label;

    Kind(String label) {
      this.label = label;
    }
  }

  private final LoopbackHttpServer http;
  private final EchoGrpcServer grpc;
  private final LoopbackPubsubServer pubsub;
  private final IdleKillingProxy httpProxy;
  private final IdleKillingProxy grpcProxy;
  private final IdleKillingProxy pubsubProxy;

  private Upstreams(
      LoopbackHttpServer http,
      EchoGrpcServer grpc,
      LoopbackPubsubServer pubsub,
      IdleKillingProxy httpProxy,
      IdleKillingProxy grpcProxy,
      IdleKillingProxy pubsubProxy) {
    this.http = http;
    this.grpc = grpc;
    this.pubsub = pubsub;
    this.httpProxy = httpProxy;
    this.grpcProxy = grpcProxy;
    this.pubsubProxy = pubsubProxy;
  }

  /** Starts the three servers and their counting proxies; closes what started if one fails. */
  static Upstreams start() throws IOException {
    LoopbackHttpServer http = null;
    EchoGrpcServer grpc = null;
    LoopbackPubsubServer pubsub = null;
    IdleKillingProxy httpProxy = null;
    IdleKillingProxy grpcProxy = null;
    try {
      http = LoopbackHttpServer.start();
      grpc = EchoGrpcServer.start();
      pubsub = LoopbackPubsubServer.start();
      httpProxy = IdleKillingProxy.start(http.address());
      grpcProxy = IdleKillingProxy.start(grpc.address());
      IdleKillingProxy pubsubProxy = IdleKillingProxy.start(pubsub.address());
      return new Upstreams(http, grpc, pubsub, httpProxy, grpcProxy, pubsubProxy);
    } catch (IOException | RuntimeException e) {
      for (AutoCloseable c : new AutoCloseable[] {grpcProxy, httpProxy, pubsub, grpc, http}) {
        if (c != null) {
          try {
            c.close();
          } catch (Exception suppressed) {
            e.addSuppressed(suppressed);
          }
        }
      }
      throw e;
    }
  }

  /** The environment a function needs to call these upstreams (see {@link FunctionEnv}). */
  Map<String, String> functionEnvironment() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put(FunctionEnv.HTTP_URL, httpProxy.url("http") + "/items");
    env.put(FunctionEnv.GRPC_TARGET, grpcProxy.host() + ":" + grpcProxy.port());
    env.put(FunctionEnv.GRPC_PLAINTEXT, "true"); // loopback test server: no TLS
    env.put(FunctionEnv.EMULATOR_HOST, pubsubProxy.host() + ":" + pubsubProxy.port());
    env.put(FunctionEnv.TOPIC, TOPIC);
    return env;
  }

  /** Connections each upstream accepted so far, indexed by {@link Kind#ordinal()}. */
  int[] acceptedConnections() {
    return new int[] {
      httpProxy.acceptedConnections(), grpcProxy.acceptedConnections(), pubsubProxy.acceptedConnections()
    };
  }

  /** The most connections each upstream had open at once, indexed by {@link Kind#ordinal()}. */
  int[] maxOpenConnections() {
    return new int[] {
      httpProxy.maxOpenConnections(), grpcProxy.maxOpenConnections(), pubsubProxy.maxOpenConnections()
    };
  }

  /** Calls each server answered, indexed by {@link Kind#ordinal()}: HTTP requests, SAY calls, messages. */
  int[] callsReceived() {
    return new int[] {http.requestsReceived(), grpc.calls(EchoGrpcServer.SAY), pubsub.messages().size()};
  }

  @Override
  public void close() {
    pubsubProxy.close();
    grpcProxy.close();
    httpProxy.close();
    pubsub.close();
    grpc.close();
    http.close();
  }
}
