package dev.fnclients.benchmarks;

import java.net.InetSocketAddress;
import java.net.Proxy;
import java.util.concurrent.atomic.LongAdder;
import okhttp3.Call;
import okhttp3.EventListener;
import okhttp3.Protocol;

/**
 * Counts connections a plain OkHttp client opens, on the same event FnClients counts {@code
 * fnclients.connections.opened} on ({@code connectEnd}), so the two counts compare.
 */
final class ConnectionCounter extends EventListener {
  private final LongAdder opened = new LongAdder();

  @Override
  public void connectEnd(
      Call call, InetSocketAddress inetSocketAddress, Proxy proxy, Protocol protocol) {
    opened.increment();
  }

  long opened() {
    return opened.sum();
  }
}
