package dev.fnclients.google.internal;

import dev.fnclients.grpc.spi.BorrowedChannel;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One client's view of a channel FnClients shares: it adds the headers GAX would have given a
 * channel of the client's own ({@code x-goog-api-client}, {@code x-goog-user-project}, ...) to
 * every call; like every {@link BorrowedChannel}, it cannot shut the shared channel down.
 */
final class SharedChannelView extends BorrowedChannel {
  private final List<Map.Entry<Metadata.Key<String>, String>> headers;

  SharedChannelView(ManagedChannel shared, Map<String, String> headers) {
    super(shared);
    this.headers =
        headers.entrySet().stream()
            // grpc-java sets user-agent from the channel builder and ignores it per call.
            .filter(e -> !e.getKey().equalsIgnoreCase("user-agent"))
            .map(
                e ->
                    Map.entry(
                        Metadata.Key.of(
                            e.getKey().toLowerCase(Locale.ROOT), Metadata.ASCII_STRING_MARSHALLER),
                        e.getValue()))
            .toList();
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> newCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions options) {
    ClientCall<ReqT, RespT> call = shared.newCall(method, options);
    if (headers.isEmpty()) {
      return call;
    }
    return new SimpleForwardingClientCall<>(call) {
      @Override
      public void start(Listener<RespT> listener, Metadata metadata) {
        for (Map.Entry<Metadata.Key<String>, String> header : headers) {
          if (!metadata.containsKey(header.getKey())) {
            metadata.put(header.getKey(), header.getValue());
          }
        }
        super.start(listener, metadata);
      }
    };
  }
}
