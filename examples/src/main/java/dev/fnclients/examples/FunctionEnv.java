package dev.fnclients.examples;

import java.util.Map;

/**
 * Where the example functions send their calls, read from the environment the way a deployed
 * function reads its configuration ({@code gcloud functions deploy --set-env-vars ...}).
 *
 * <ul>
 *   <li>{@code UPSTREAM_HTTP_URL}: the URL each invocation GETs, e.g. {@code https://api.example.com/items}
 *   <li>{@code UPSTREAM_GRPC_TARGET}: the gRPC server, {@code host:port} or a URI
 *   <li>{@code UPSTREAM_GRPC_PLAINTEXT}: {@code true} only for a loopback or emulator server
 *       (default: TLS)
 *   <li>{@code PUBSUB_TOPIC}: {@code projects/P/topics/T}
 *   <li>{@code PUBSUB_EMULATOR_HOST}: {@code host:port} of a Pub/Sub emulator; unset in production.
 *       {@code FnClients.publisher} reads it by itself; the naive function reads it here.
 * </ul>
 *
 * <p>This is configuration, not a client: reading it once per instance is fine.
 */
record FunctionEnv(
    String httpUrl, String grpcTarget, boolean grpcPlaintext, String topic, String pubsubEmulatorHost) {

  static final String HTTP_URL = "UPSTREAM_HTTP_URL";
  static final String GRPC_TARGET = "UPSTREAM_GRPC_TARGET";
  static final String GRPC_PLAINTEXT = "UPSTREAM_GRPC_PLAINTEXT";
  static final String TOPIC = "PUBSUB_TOPIC";
  static final String EMULATOR_HOST = "PUBSUB_EMULATOR_HOST";

  /** Reads the process environment; fails naming the first missing variable. */
  static FunctionEnv fromEnvironment() {
    return from(System.getenv());
  }

  static FunctionEnv from(Map<String, String> env) {
    return new FunctionEnv(
        required(env, HTTP_URL),
        required(env, GRPC_TARGET),
        Boolean.parseBoolean(env.getOrDefault(GRPC_PLAINTEXT, "false")),
        required(env, TOPIC),
        blankToNull(env.get(EMULATOR_HOST)));
  }

  private static String required(Map<String, String> env, String name) {
    String value = blankToNull(env.get(name));
    if (value == null) {
      throw new IllegalStateException("environment variable " + name + " is not set");
    }
    return value;
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value.strip();
  }
}
