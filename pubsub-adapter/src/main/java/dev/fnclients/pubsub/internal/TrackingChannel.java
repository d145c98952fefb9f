package dev.fnclients.pubsub.internal;

import com.google.pubsub.v1.PublishRequest;
import dev.fnclients.grpc.spi.BorrowedChannel;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;

/**
 * The channel one publisher sees: the shared channel, with each {@code Publish} call first waiting
 * for a slot in the channel's {@link Admission} (without a thread), then checked in with {@link
 * Outstanding} just before its request is handed to the connection, so that the publisher knows
 * which messages may have reached the server, and refused once the publisher is sealed.
 *
 * <p>Like every {@link BorrowedChannel}, it does not own the shared channel: shutting it down does
 * nothing (FnClients closes the shared channel after every publisher).
 */
final class TrackingChannel extends BorrowedChannel {
  private static final String PUBLISH =
      MethodDescriptor.generateFullMethodName("google.pubsub.v1.Publisher", "Publish");

  private final Admission admission;
  private final Channel checkedIn;

  TrackingChannel(ManagedChannel shared, Admission admission, Outstanding outstanding) {
    super(shared);
    this.admission = admission;
    this.checkedIn = ClientInterceptors.intercept(shared, new CheckIn(outstanding));
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> newCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions options) {
    if (!PUBLISH.equals(method.getFullMethodName())) {
      return shared.newCall(method, options);
    }
    return admission.newCall(checkedIn, method, options);
  }

  private static final class CheckIn implements ClientInterceptor {
    private final Outstanding outstanding;

    CheckIn(Outstanding outstanding) {
      this.outstanding = outstanding;
    }

    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
        MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
      return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
        // Set when the call ends; the in-flight cap ends a call it refuses inside start().
        private volatile boolean closed;
        // Set when this interceptor cancelled the call: what the caller does next goes nowhere.
        private volatile boolean refused;

        @Override
        public void start(Listener<RespT> listener, Metadata headers) {
          super.start(
              new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                @Override
                public void onClose(Status status, Metadata trailers) {
                  closed = true;
                  super.onClose(status, trailers);
                }
              },
              headers);
        }

        @Override
        public void sendMessage(ReqT message) {
          if (closed || refused) {
            return; // refused before it started, or ended: nothing leaves
          }
          if (!outstanding.beforeSend(((PublishRequest) message).getMessagesList())) {
            refused = true;
            cancel("the publisher is shut down; this request was not sent", null);
            return;
          }
          super.sendMessage(message);
        }

        @Override
        public void halfClose() {
          if (!refused) {
            super.halfClose(); // after a cancel, grpc rejects it
          }
        }
      };
    }
  }
}
