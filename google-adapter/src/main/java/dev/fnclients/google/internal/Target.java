package dev.fnclients.google.internal;

import dev.fnclients.google.GoogleConfig;
import dev.fnclients.pool.Environment;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a Google client's calls go: {@code host:port}, and whether over plaintext (an emulator or
 * loopback server, never with credentials) or TLS.
 *
 * @param hostPort the gRPC target
 * @param emulator true for plaintext with no credentials
 */
public record Target(String hostPort, boolean emulator) {
  /**
   * The emulator variable of each service Google ships an emulator for, keyed by the first label of
   * its endpoint host ({@code spanner.googleapis.com}, {@code us-east1-pubsub.googleapis.com},
   * {@code pubsub.us-east1.rep.googleapis.com}).
   */
  static final Map<String, String> EMULATOR_VARIABLES =
      Map.of(
          "pubsub", "PUBSUB_EMULATOR_HOST",
          "firestore", "FIRESTORE_EMULATOR_HOST",
          "datastore", "DATASTORE_EMULATOR_HOST",
          "spanner", "SPANNER_EMULATOR_HOST",
          "bigtable", "BIGTABLE_EMULATOR_HOST",
          "bigtableadmin", "BIGTABLE_EMULATOR_HOST");

  private static final Pattern GOOGLE_HOST =
      Pattern.compile(
          "(?:[a-z0-9-]+-)?([a-z]+)\\.(?:[a-z0-9-]+\\.rep\\.)?(?:sandbox\\.)?googleapis\\.com(?::\\d+)?");

  public Target {
    Objects.requireNonNull(hostPort, "hostPort");
  }

  /**
   * Where calls for {@code endpoint} (as GAX resolved it from the client's settings) go: an
   * emulator named by {@code options} or by the service's emulator variable, else the endpoint
   * {@code options} names, else {@code endpoint} itself, over TLS.
   */
  public static Target resolve(String endpoint, GoogleConfig options, Environment env) {
    if (options.emulatorHost() != null) {
      return new Target(options.emulatorHost(), true);
    }
    String variable = emulatorVariable(endpoint);
    if (variable != null) {
      String host = env.getenv(variable);
      if (host != null && !host.isBlank()) {
        return new Target(stripScheme(host.trim()), true);
      }
    }
    if (options.endpoint() != null) {
      return new Target(options.endpoint(), false);
    }
    if (endpoint == null || endpoint.isBlank()) {
      throw new IllegalArgumentException(
          "the client's settings resolve to no endpoint; set one with GoogleConfig.endpoint(hostPort)");
    }
    return new Target(endpoint.contains(":") ? endpoint : endpoint + ":443", false);
  }

  /** The emulator variable for the service behind {@code endpoint}, or {@code null}. */
  static String emulatorVariable(String endpoint) {
    if (endpoint == null) {
      return null;
    }
    Matcher m = GOOGLE_HOST.matcher(endpoint.trim().toLowerCase(Locale.ROOT));
    return m.matches() ? EMULATOR_VARIABLES.get(m.group(1)) : null;
  }

  /** {@code http://localhost:9010} (Spanner accepts that form) becomes {@code localhost:9010}. */
  private static String stripScheme(String host) {
    int scheme = host.indexOf("://");
    return scheme >= 0 ? host.substring(scheme + 3) : host;
  }
}
