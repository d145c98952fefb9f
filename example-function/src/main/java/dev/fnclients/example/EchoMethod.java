package dev.fnclients.example;

import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The upstream's unary gRPC method the example functions call, {@code fnclients.test.Echo/Say} with
 * UTF-8 strings as messages, declared here so that the example needs no generated code (the demo's
 * loopback server answers it). A real function calls its generated stub over the channel {@code
 * FnClients.grpc(target)} returns in the same way.
 */
final class EchoMethod {
  static final MethodDescriptor<String, String> SAY =
      MethodDescriptor.<String, String>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("fnclients.test.Echo/Say")
          .setRequestMarshaller(new Text())
          .setResponseMarshaller(new Text())
          .build();

  private EchoMethod() {}

  /** A message is its UTF-8 bytes. */
  private static final class Text implements MethodDescriptor.Marshaller<String> {
    @Override
    public InputStream stream(String value) {
      return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String parse(InputStream stream) {
      try (stream) {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
