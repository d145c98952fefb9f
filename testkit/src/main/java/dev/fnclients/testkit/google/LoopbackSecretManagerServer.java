package dev.fnclients.testkit.google;

import com.google.cloud.secretmanager.v1.AccessSecretVersionRequest;
import com.google.cloud.secretmanager.v1.AccessSecretVersionResponse;
import com.google.cloud.secretmanager.v1.SecretPayload;
import com.google.cloud.secretmanager.v1.ServiceProto;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * A real gRPC server (Netty) on loopback serving Secret Manager's {@code AccessSecretVersion}, so
 * that the real {@code google-cloud-secretmanager} GAPIC client can call it. The service and its
 * messages come from the official generated protos ({@code proto-google-cloud-secretmanager-v1}):
 * the method is looked up in the service descriptor Google publishes, so a renamed or removed
 * method fails here, not silently. (The generated {@code grpc-google-cloud-secretmanager-v1} stub
 * artifact is not available to this build; the proto descriptor carries the same service.)
 *
 * <p>Each call answers with the payload {@code value-of <name>}; calls, headers and injected
 * failures as {@link LoopbackGoogleServer} says.
 */
public final class LoopbackSecretManagerServer extends LoopbackGoogleServer {
  /** {@code AccessSecretVersion}, named as in the published service descriptor. */
  public static final MethodDescriptor<AccessSecretVersionRequest, AccessSecretVersionResponse>
      ACCESS_SECRET_VERSION = accessMethod();

  private LoopbackSecretManagerServer() throws IOException {
    super("loopback-secret-manager-timer");
    serve(
        ServerServiceDefinition.builder(ACCESS_SECRET_VERSION.getServiceName())
            .addMethod(
                ACCESS_SECRET_VERSION,
                ServerCalls.asyncUnaryCall(
                    (request, response) -> {
                      if (countAndMaybeFail(response)) {
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
            .build());
  }

  /** Starts a server on an ephemeral loopback port. */
  public static LoopbackSecretManagerServer start() throws IOException {
    return new LoopbackSecretManagerServer();
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
