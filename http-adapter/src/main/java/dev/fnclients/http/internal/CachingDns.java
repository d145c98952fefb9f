package dev.fnclients.http.internal;

import dev.fnclients.spi.DnsCache;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import okhttp3.Dns;

/** OkHttp's {@link Dns} over the pool's {@link DnsCache}: TTL caching with stale-if-error. */
public final class CachingDns implements Dns {
  private final DnsCache cache;
  private final Dns delegate;

  public CachingDns(DnsCache cache, Dns delegate) {
    this.cache = cache;
    this.delegate = delegate;
  }

  @Override
  public List<InetAddress> lookup(String hostname) throws UnknownHostException {
    return cache.lookup(hostname, delegate::lookup);
  }
}
