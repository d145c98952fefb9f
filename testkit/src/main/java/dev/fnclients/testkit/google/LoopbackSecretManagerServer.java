package dev.fnclients.testkit.google;

import com.google.cloud.secretmanager.v1.AccessSecretVersionRequest;
import com.google.cloud.secretmanager.v1.AccessSecretVersionResponse;
import com.google.cloud.secretmanager.v1.SecretPayload;
import com.google.cloud.secretmanager.v1.ServiceProto;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors;
import dev.fnclients.testkit.grpc.LoopbackGrpcServer;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real gRPC server (Netty) on loopback serving Secret Manager's {@code AccessSecretVersion}, so
 * that the real {@code google-cloud-secretmanager} GAPIC client can call it. The service and its
 * messages come from the official generated protos ({@code proto-google-cloud-secretmanager-v1}):
 * the method is looked up in the service descriptor Google publishes, so a renamed or removed
 * method fails here, not silently. (The generated {@code grpc-google-cloud-secretmanager-v1} stub
 * artifact is not available to this build; the proto descriptor carries the same service.)
 *
 * <p>Each call answers with the payload {@code value-of <name>}; it records the {@code
 * authorization} and {@code x-goog-api-client} headers it saw (never their use elsewhere), and can
 * fail the next calls with a status, to count client retries from the server's side.
 */
public final class LoopbackSecretManagerServer extends LoopbackGrpcServer {
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> API_CLIENT =
      Metadata.Key.of("x-goog-api-client", Metadata.ASCII_STRING_MARSHALLER);

  /** {@code AccessSecretVersion}, named as in the published service descriptor. */
  public static final MethodDescriptor<AccessSecretVersionRequest, AccessSecretVersionResponse>
      ACCESS_SECRET_VERSION = accessMethod();

  private final AtomicInteger calls = new AtomicInteger();
  private final AtomicInteger failuresLeft = new AtomicInteger();
  private volatile Status.Code failureCode = Status.Code.UNAVAILABLE;
  private final List<String> authorizations = new CopyOnWriteArrayList<>();
  private final List<String> apiClients = new CopyOnWriteArrayList<>();

  private LoopbackSecretManagerServer() throws IOException {
    super("loopback-secret-manager-timer");
    ServerServiceDefinition service =
        ServerServiceDefinition.builder(ACCESS_SECRET_VERSION.getServiceName())
            .addMethod(
                ACCESS_SECRET_VERSION,
                ServerCalls.asyncUnaryCall(
                    (request, response) -> {
                      calls.incrementAndGet();
                      if (failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        response.onError(
                            failureCode
                                .toStatus()
                                .withDescription("injected failure")
                                .asRuntimeException());
                        return;
                      }
                      response.onNext(
                          AccessSecretVersionResponse.newBuilder()
                              .setName(request.getName())
                              .setPayload(
                                  SecretPayload.newBuilder()
                                      .setData(
                                          ByteString.copyFrom(
                                              "value-of " + request.getName(),
                                              StandardCharsets.UTF_8)))
                              .build());
                      response.onCompleted();
                    }))
            .build();
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
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(ServerInterceptors.intercept(service, recordHeaders)));
  }

  /** Starts a server on an ephemeral loopback port. */
  public static LoopbackSecretManagerServer start() throws IOException {
    return new LoopbackSecretManagerServer();
  }

  /** Calls received, each attempt counted. */
  public int calls() {
    return calls.get();
  }

  /**
   * The {@code authorization} header of each call, in arrival order ({@code "null"} when absent).
   */
  public List<String> authorizations() {
    return List.copyOf(authorizations);
  }

  /**
   * The {@code x-goog-api-client} header of each call, in arrival order ({@code "null"} when
   * absent).
   */
  public List<String> apiClientHeaders() {
    return List.copyOf(apiClients);
  }

  /** Fails the next {@code count} calls with {@code code}. */
  public void failNext(int count, Status.Code code) {
    this.failureCode = code;
    failuresLeft.set(count);
  }

  private static MethodDescriptor<AccessSecretVersionRequest, AccessSecretVersionResponse>
      accessMethod() {
    Descriptors.ServiceDescriptor service =
        ServiceProto.getDescriptor().findServiceByName("SecretManagerService");
    Descriptors.MethodDescriptor method = service.findMethodByName("AccessSecretVersion");
    return MethodDescriptor.<AccessSecretVersionRequest, AccessSecretVersionResponse>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(
            MethodDescriptor.generateFullMethodName(service.getFullName(), method.getName()))
        .setRequestMarshaller(
            ProtoUtils.marshaller(AccessSecretVersionRequest.getDefaultInstance()))
        .setResponseMarshaller(
            ProtoUtils.marshaller(AccessSecretVersionResponse.getDefaultInstance()))
        .build();
  }
}
