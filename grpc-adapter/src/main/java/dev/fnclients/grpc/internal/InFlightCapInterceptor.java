package dev.fnclients.grpc.internal;

import dev.fnclients.pool.ConnectionCapExceededException;
import dev.fnclients.spi.ConnectionCap;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.Deadline;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.InterruptedIOException;
import java.util.concurrent.TimeUnit;

/**
 * Caps the calls in flight on one channel, with the pool's bounded wait. A call that finds the cap
 * full past {@code capWait}, or past its own deadline when that comes first, fails with {@code
 * RESOURCE_EXHAUSTED}, its description naming the cap, the target and which limit ended the wait,
 * and its cause the {@link ConnectionCapExceededException}. The permit is held from start until the
 * call closes, whatever way it closes.
 */
public final class InFlightCapInterceptor implements ClientInterceptor {
  private final ConnectionCap cap;
  private final String target;

  public InFlightCapInterceptor(ConnectionCap cap, String target) {
    this.cap = cap;
    this.target = target;
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
    return new ClientInterceptors.CheckedForwardingClientCall<>(next.newCall(method, options)) {
      @Override
      protected void checkedStart(Listener<RespT> listener, Metadata headers) throws Exception {
        ConnectionCap.Permit permit;
        try {
          Deadline deadline = options.getDeadline();
          long nanosLeft =
              deadline == null
                  ? ConnectionCap.NO_DEADLINE
                  : deadline.timeRemaining(TimeUnit.NANOSECONDS);
          permit = cap.acquire(target, nanosLeft, ConnectionCapExceededException.DEADLINE);
        } catch (ConnectionCapExceededException e) {
          throw Status.RESOURCE_EXHAUSTED
              .withDescription(
                  "in-flight call cap reached: maxInFlightCalls = "
                      + e.limit()
                      + " calls in flight on "
                      + target
                      + "; waited "
                      + e.waited().toMillis()
                      + " ms ("
                      + (ConnectionCapExceededException.CAP_WAIT.equals(e.waitLimit())
                          ? "capWait"
                          : "all that was left before the call's deadline")
                      + "). Raise GrpcConfig.maxInFlightCalls or FNCLIENTS_CAP_WAIT")
              .withCause(e)
              .asException();
        } catch (InterruptedIOException e) {
          throw Status.CANCELLED.withDescription(e.getMessage()).withCause(e).asException();
        }
        try {
          delegate()
              .start(
                  new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                    @Override
                    public void onClose(Status status, Metadata trailers) {
                      permit.close();
                      super.onClose(status, trailers);
                    }
                  },
                  headers);
        } catch (RuntimeException | Error e) {
          permit.close();
          throw e;
        }
      }
    };
  }
}
