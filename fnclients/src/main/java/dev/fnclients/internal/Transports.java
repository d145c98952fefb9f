package dev.fnclients.internal;

/**
 * Which optional transports are on the class path. gRPC, Pub/Sub and Google are separate artifacts
 * a function adds only when it uses them; asking for one that is missing fails at once, naming the
 * artifact, before any of its classes is touched (touching one would throw a bare {@code
 * NoClassDefFoundError} from deep inside the call).
 */
public enum Transports {
  GRPC("gRPC", "fnclients-grpc", "dev.fnclients.grpc.spi.FnGrpc"),
  PUBSUB("Pub/Sub", "fnclients-pubsub", "dev.fnclients.pubsub.spi.FnPubsub"),
  GOOGLE("Google Cloud client", "fnclients-google", "dev.fnclients.google.spi.FnGoogle");

  private final String label;
  private final String artifactId;
  private final String probeClass;
  private volatile Boolean present;

  Transports(String label, String artifactId, String probeClass) {
    this.label = label;
    this.artifactId = artifactId;
    this.probeClass = probeClass;
  }

  /**
   * Returns normally when the transport is on the class path.
   *
   * @throws IllegalStateException naming the dependency to add when it is not
   */
  public void require(String method) {
    Boolean p = present;
    if (p == null) {
      p = isPresent();
      present = p;
    }
    if (!p) {
      throw new IllegalStateException(
          method
              + " needs the "
              + label
              + " transport, which is not on the class path: add the dependency "
              + "dev.fnclients:"
              + artifactId
              + ":"
              + version()
              + " (or, with the dev.fnclients:fnclients-bom imported, dev.fnclients:"
              + artifactId
              + " without a version)");
    }
  }

  private boolean isPresent() {
    try {
      // initialize=false: only whether it resolves, with its own dependencies, matters here.
      Class<?> probe = Class.forName(probeClass, false, Transports.class.getClassLoader());
      probe.getMethods(); // links the signatures, so a missing io.grpc or Pub/Sub jar shows here
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  private static String version() {
    String v = Transports.class.getPackage().getImplementationVersion();
    return v != null ? v : "<the FnClients version>";
  }
}
