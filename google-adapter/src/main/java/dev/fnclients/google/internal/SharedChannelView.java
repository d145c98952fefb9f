package dev.fnclients.google.internal;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ConnectivityState;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One client's view of a channel FnClients shares: it adds the headers GAX would have given a
 * channel of the client's own ({@code x-goog-api-client}, {@code x-goog-user-project}, ...) to
 * every call, and it cannot shut the shared channel down (FnClients' shutdown hook does that after
 * every client using it has closed).
 */
final class SharedChannelView extends ManagedChannel {
  private final ManagedChannel shared;
  private final List<Map.Entry<Metadata.Key<String>, String>> headers;

  SharedChannelView(ManagedChannel shared, Map<String, String> headers) {
    this.shared = shared;
    this.headers =
        headers.entrySet().stream()
            // grpc-java sets user-agent from the channel builder and ignores it per call.
            .filter(e -> !e.getKey().equalsIgnoreCase("user-agent"))
            .map(e -> Map.entry(Metadata.Key.of(e.getKey().toLowerCase(Locale.ROOT), Metadata.ASCII_STRING_MARSHALLER), e.getValue()))
            .toList();
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> newCall(MethodDescriptor<ReqT, RespT> method, CallOptions options) {
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

  @Override
  public String authority() {
    return shared.authority();
  }

  /** Does nothing: the channel is shared; FnClients closes it. */
  @Override
  public ManagedChannel shutdown() {
    return this;
  }

  /** Does nothing: the channel is shared; FnClients closes it. */
  @Override
  public ManagedChannel shutdownNow() {
    return this;
  }

  @Override
  public boolean isShutdown() {
    return shared.isShutdown();
  }

  @Override
  public boolean isTerminated() {
    return shared.isTerminated();
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return true; // nothing of this view's own to wait for
  }

  @Override
  public ConnectivityState getState(boolean requestConnection) {
    return shared.getState(requestConnection);
  }

  @Override
  public void notifyWhenStateChanged(ConnectivityState source, Runnable callback) {
    shared.notifyWhenStateChanged(source, callback);
  }

  @Override
  public String toString() {
    return "SharedChannelView{" + shared + "}";
  }
}
