package dev.fnclients.http.internal;

import dev.fnclients.pool.MetricNames;
import dev.fnclients.spi.TransportStats;
import java.net.InetSocketAddress;
import java.net.Proxy;
import okhttp3.Call;
import okhttp3.EventListener;
import okhttp3.Protocol;

/** Counts connections opened; stateless, so one instance serves every call. */
public final class ConnectionEvents extends EventListener {
  private final TransportStats stats;

  public ConnectionEvents(TransportStats stats) {
    this.stats = stats;
  }

  @Override
  public void connectEnd(
      Call call, InetSocketAddress inetSocketAddress, Proxy proxy, Protocol protocol) {
    stats.increment(MetricNames.CONNECTIONS_OPENED);
  }
}
