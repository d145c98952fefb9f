package dev.fnclients.examples;

import dev.fnclients.example.FunctionEnv;
import dev.fnclients.testkit.IdleKillingProxy;
import dev.fnclients.testkit.LoopbackHttpServer;
import dev.fnclients.testkit.google.LoopbackSecretManagerServer;
import dev.fnclients.testkit.grpc.EchoGrpcServer;
import dev.fnclients.testkit.pubsub.LoopbackPubsubServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * The four upstreams an example function calls, on loopback, each behind an {@link
 * IdleKillingProxy} without an idle limit, used only as a connection counter: every connection the
 * function opens is one the proxy accepts (and one the server sees). HTTP: a {@link
 * LoopbackHttpServer}; gRPC: an {@link EchoGrpcServer} ({@code SAY}); Pub/Sub: a {@link
 * LoopbackPubsubServer} (the official {@code Publisher} service); Secret Manager: a {@link
 * LoopbackSecretManagerServer}.
 */
final class Upstreams implements AutoCloseable {
  static final String TOPIC = "projects/fn-example/topics/orders";
  static final String SECRET = "projects/fn-example/secrets/api-key/versions/latest";

  /** The upstreams, in the order their counts are reported. */
  enum Kind {
    HTTP("HTTP"),
    GRPC("gRPC"),
    PUBSUB("Pub/Sub"),
    SECRETS("Secret Manager");

    final String label;

    Kind(String label) {
      this.label = label;
    }
  }

  private final LoopbackHttpServer http;
  private final EchoGrpcServer grpc;
  private final LoopbackPubsubServer pubsub;
  private final LoopbackSecretManagerServer secrets;

  /** By {@link Kind#ordinal()}. */
  private final List<IdleKillingProxy> proxies = new ArrayList<>();

  /** Everything started, to close in reverse order. */
  private final List<AutoCloseable> started = new ArrayList<>();

  /** Starts the four servers and their counting proxies; closes what started if one fails. */
  Upstreams() throws IOException {
    try {
      http = add(LoopbackHttpServer.start());
      grpc = add(EchoGrpcServer.start());
      pubsub = add(LoopbackPubsubServer.start());
      secrets = add(LoopbackSecretManagerServer.start());
      for (InetSocketAddress server :
          List.of(http.address(), grpc.address(), pubsub.address(), secrets.address())) {
        proxies.add(add(IdleKillingProxy.start(server)));
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  private <T extends AutoCloseable> T add(T closeable) {
    started.add(closeable);
    return closeable;
  }

  /** The environment a function needs to call these upstreams (see {@link FunctionEnv}). */
  Map<String, String> functionEnvironment() {
    return Map.of(
        FunctionEnv.HTTP_URL, proxies.get(0).url("http") + "/items",
        FunctionEnv.GRPC_TARGET, "127.0.0.1:" + proxies.get(1).port(),
        FunctionEnv.GRPC_PLAINTEXT, "true", // loopback test server: no TLS
        FunctionEnv.EMULATOR_HOST, "127.0.0.1:" + proxies.get(2).port(),
        FunctionEnv.TOPIC, TOPIC,
        FunctionEnv.SECRET_NAME, SECRET,
        FunctionEnv.SECRET_MANAGER_HOST,
            "127.0.0.1:" + proxies.get(3).port()); // loopback: plaintext
  }

  /** Connections each upstream accepted so far, by {@link Kind#ordinal()}. */
  int[] acceptedConnections() {
    return each(IdleKillingProxy::acceptedConnections);
  }

  /** The most connections each upstream had open at once, by {@link Kind#ordinal()}. */
  int[] maxOpenConnections() {
    return each(IdleKillingProxy::maxOpenConnections);
  }

  private int[] each(ToIntFunction<IdleKillingProxy> count) {
    return proxies.stream().mapToInt(count).toArray();
  }

  /**
   * Calls each server answered, by {@link Kind#ordinal()}: HTTP requests, SAY calls, messages,
   * secret reads.
   */
  int[] callsReceived() {
    return new int[] {
      http.requestsReceived(),
      grpc.calls(EchoGrpcServer.SAY),
      pubsub.messages().size(),
      secrets.calls()
    };
  }

  @Override
  public void close() {
    Collections.reverse(started);
    for (AutoCloseable c : started) {
      try {
        c.close();
      } catch (Exception e) {
        // Closing is best effort: the next one still gets closed.
      }
    }
    started.clear();
  }
}
