package dev.fnclients.example;

import com.google.cloud.functions.HttpResponse;
import java.io.IOException;
import java.util.Map;

/**
 * Where the example functions send their calls, read from the environment the way a deployed
 * function reads its configuration ({@code gcloud functions deploy --set-env-vars ...}).
 *
 * <ul>
 *   <li>{@code UPSTREAM_HTTP_URL}: the URL each invocation GETs, e.g. {@code
 *       https://api.example.com/items}
 *   <li>{@code UPSTREAM_GRPC_TARGET}: the gRPC server, {@code host:port} or a URI
 *   <li>{@code UPSTREAM_GRPC_PLAINTEXT}: {@code true} only for a loopback or emulator server
 *       (default: TLS)
 *   <li>{@code PUBSUB_TOPIC}: {@code projects/P/topics/T}
 *   <li>{@code PUBSUB_EMULATOR_HOST}: {@code host:port} of a Pub/Sub emulator; unset in production.
 *       {@code FnClients.publisher} reads it by itself; the naive function reads it here.
 *   <li>{@code SECRET_NAME}: the Secret Manager secret version each invocation reads, {@code
 *       projects/P/secrets/S/versions/latest}
 *   <li>{@code SECRET_MANAGER_HOST}: {@code host:port} of a plaintext loopback Secret Manager
 *       server (Secret Manager has no emulator variable of its own); unset in production, where
 *       calls go to {@code secretmanager.googleapis.com:443} with the function's service account.
 * </ul>
 *
 * <p>This is configuration, not a client: reading it once per instance is fine.
 */
public record FunctionEnv(
    String httpUrl,
    String grpcTarget,
    boolean grpcPlaintext,
    String topic,
    String pubsubEmulatorHost,
    String secretName,
    String secretManagerHost) {

  public static final String HTTP_URL = "UPSTREAM_HTTP_URL";
  public static final String GRPC_TARGET = "UPSTREAM_GRPC_TARGET";
  public static final String GRPC_PLAINTEXT = "UPSTREAM_GRPC_PLAINTEXT";
  public static final String TOPIC = "PUBSUB_TOPIC";
  public static final String EMULATOR_HOST = "PUBSUB_EMULATOR_HOST";
  public static final String SECRET_NAME = "SECRET_NAME";
  public static final String SECRET_MANAGER_HOST = "SECRET_MANAGER_HOST";

  /** Reads the process environment; fails naming the first missing variable. */
  public static FunctionEnv fromEnvironment() {
    return from(System.getenv());
  }

  static FunctionEnv from(Map<String, String> env) {
    return new FunctionEnv(
        required(env, HTTP_URL),
        required(env, GRPC_TARGET),
        Boolean.parseBoolean(env.getOrDefault(GRPC_PLAINTEXT, "false")),
        required(env, TOPIC),
        blankToNull(env.get(EMULATOR_HOST)),
        required(env, SECRET_NAME),
        blankToNull(env.get(SECRET_MANAGER_HOST)));
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

  /**
   * Writes what one invocation got from its four upstreams. The secret's size only: a secret's
   * value never goes into a response or a log.
   */
  static void answer(
      HttpResponse response, String httpBody, String echo, String messageId, int secretBytes)
      throws IOException {
    response.setContentType("text/plain; charset=utf-8");
    response
        .getWriter()
        .write(
            "http="
                + httpBody
                + " grpc="
                + echo
                + " pubsub="
                + messageId
                + " secretBytes="
                + secretBytes
                + "\n");
  }
}
