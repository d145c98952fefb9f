package dev.fnclients.grpc.internal;

import dev.fnclients.pool.MetricNames;
import dev.fnclients.spi.TransportStats;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientStreamTracer;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;

/**
 * Counts the retries gRPC's retry policy makes. Retries happen inside the channel, below any
 * interceptor; a stream tracer sees every attempt, and an attempt with earlier ones that is not a
 * transparent retry is a policy retry.
 */
public final class RetryCountingInterceptor implements ClientInterceptor {
  private final ClientStreamTracer.Factory tracerFactory;

  public RetryCountingInterceptor(TransportStats stats) {
    this.tracerFactory =
        new ClientStreamTracer.Factory() {
          @Override
          public ClientStreamTracer newClientStreamTracer(
              ClientStreamTracer.StreamInfo info, Metadata headers) {
            if (info.getPreviousAttempts() > 0 && !info.isTransparentRetry()) {
              stats.increment(MetricNames.STATUS_RETRIES);
            }
            return NOOP_TRACER;
          }
        };
  }

  private static final ClientStreamTracer NOOP_TRACER = new ClientStreamTracer() {};

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
    return next.newCall(method, options.withStreamTracerFactory(tracerFactory));
  }
}
