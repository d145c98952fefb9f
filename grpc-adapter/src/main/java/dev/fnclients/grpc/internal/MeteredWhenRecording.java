package dev.fnclients.grpc.internal;

import dev.fnclients.spi.TransportStats;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import io.micrometer.core.instrument.binder.grpc.MetricCollectingClientInterceptor;

/**
 * Micrometer's {@link MetricCollectingClientInterceptor}, applied to a call only once FnClients'
 * metrics are bound to a registry: until then it would cost a timer sample, a wrapped call and
 * listener, and meter lookups per call, for meters nobody reads. Checked per call (a volatile
 * read), so a registry bound later is picked up.
 */
public final class MeteredWhenRecording implements ClientInterceptor {
  private final TransportStats stats;
  private volatile ClientInterceptor
      metered; // built when first needed: it costs classes at cold start

  public MeteredWhenRecording(TransportStats stats) {
    this.stats = stats;
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
    if (!stats.recording()) {
      return next.newCall(method, options);
    }
    ClientInterceptor m = metered;
    if (m == null) {
      synchronized (this) {
        if (metered == null) {
          metered = Meters.interceptor(stats);
        }
        m = metered;
      }
    }
    return m.interceptCall(method, options, next);
  }

  /** In a class of its own: the JVM loads what a method names only when that class is verified. */
  private static final class Meters {
    static ClientInterceptor interceptor(TransportStats stats) {
      return new MetricCollectingClientInterceptor(stats.registry());
    }
  }
}
