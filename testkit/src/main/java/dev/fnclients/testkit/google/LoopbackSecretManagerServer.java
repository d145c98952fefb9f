package dev.fnclients.testkit.google;

import com.google.cloud.secretmanager.v1.AccessSecretVersionRequest;
import com.google.cloud.secretmanager.v1.AccessSecretVersionResponse;
import com.google.cloud.secretmanager.v1.SecretPayload;
import com.google.protobuf.ByteString;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import java.io.IOException;

/**
 * Secret Manager's {@code AccessSecretVersion} on loopback, for the real {@code
 * google-cloud-secretmanager} client, answering the payload {@code value-of <name>}. Described by
 * hand from the published messages: the generated stub artifact is not available to this build.
 */
public final class LoopbackSecretManagerServer extends LoopbackGoogleServer {
  private static final MethodDescriptor<AccessSecretVersionRequest, AccessSecretVersionResponse>
      ACCESS_SECRET_VERSION =
          MethodDescriptor.<AccessSecretVersionRequest, AccessSecretVersionResponse>newBuilder()
              .setType(MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(
                  "google.cloud.secretmanager.v1.SecretManagerService/AccessSecretVersion")
              .setRequestMarshaller(
                  ProtoUtils.marshaller(AccessSecretVersionRequest.getDefaultInstance()))
              .setResponseMarshaller(
                  ProtoUtils.marshaller(AccessSecretVersionResponse.getDefaultInstance()))
              .build();

  private LoopbackSecretManagerServer() throws IOException {
    serve(
        ServerServiceDefinition.builder(ACCESS_SECRET_VERSION.getServiceName())
            .addMethod(
                ACCESS_SECRET_VERSION,
                ServerCalls.asyncUnaryCall(
                    (request, response) -> {
                      if (!failedAsAsked(response)) {
                        reply(
                            response,
                            AccessSecretVersionResponse.newBuilder()
                                .setName(request.getName())
                                .setPayload(
                                    SecretPayload.newBuilder()
                                        .setData(
                                            ByteString.copyFromUtf8(
                                                "value-of " + request.getName())))
                                .build());
                      }
                    }))
            .build());
  }

  /** Starts a server on an ephemeral loopback port. */
  public static LoopbackSecretManagerServer start() throws IOException {
    return new LoopbackSecretManagerServer();
  }
}
