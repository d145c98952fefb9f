package dev.fnclients.grpc.internal;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Gives a deadline to calls that set none, so that a silently dropped connection cannot hang a
 * function.
 */
public final class DefaultDeadlineInterceptor implements ClientInterceptor {
  private final long nanos;

  public DefaultDeadlineInterceptor(Duration deadline) {
    this.nanos = deadline.toNanos();
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
    CallOptions withDeadline =
        options.getDeadline() == null
            ? options.withDeadlineAfter(nanos, TimeUnit.NANOSECONDS)
            : options;
    return next.newCall(method, withDeadline);
  }
}
