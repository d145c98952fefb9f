package dev.fnclients.testkit.google;

import dev.fnclients.testkit.grpc.LoopbackGrpcServer;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerServiceDefinition;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback server for a GAPIC client's service, recording the {@code authorization} and {@code
 * x-goog-api-client} headers of each call.
 */
public abstract class LoopbackGoogleServer extends LoopbackGrpcServer {
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> API_CLIENT =
      Metadata.Key.of("x-goog-api-client", Metadata.ASCII_STRING_MARSHALLER);

  private final List<String> authorizations = new CopyOnWriteArrayList<>();
  private final List<String> apiClients = new CopyOnWriteArrayList<>();

  /** Serves {@code service} on an ephemeral loopback port; the subclass's constructor calls it. */
  protected final void serve(ServerServiceDefinition service) throws IOException {
    ServerInterceptor recordHeaders =
        new ServerInterceptor() {
          @Override
          public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
              ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
            authorizations.add(String.valueOf(headers.get(AUTHORIZATION)));
            apiClients.add(String.valueOf(headers.get(API_CLIENT)));
            return next.startCall(call, headers);
          }
        };
    start(
        loopback(0, InsecureServerCredentials.create())
            .addService(service)
            .intercept(recordHeaders));
  }

  /** The {@code authorization} header of each call, in arrival order ({@code "null"}: absent). */
  public List<String> authorizations() {
    return List.copyOf(authorizations);
  }

  /**
   * The {@code x-goog-api-client} header of each call, in arrival order ({@code "null"}: absent).
   */
  public List<String> apiClientHeaders() {
    return List.copyOf(apiClients);
  }
}
