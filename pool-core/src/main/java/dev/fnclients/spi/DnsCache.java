package dev.fnclients.spi;

import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.pool.Ticker;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Caches DNS answers for {@link FnClientsConfig#dnsTtl()} and, when a lookup fails, serves the last
 * good answer for up to {@link FnClientsConfig#dnsStaleIfError()} past its TTL (stale-if-error).
 * Saves the DNS queries, and the quota, that a lookup per invocation would spend, and rides out a
 * resolver hiccup. Ages are read from the injected {@link Ticker}.
 */
public final class DnsCache {
  /** The resolver the cache asks on a miss, e.g. the system resolver. */
  @FunctionalInterface
  public interface Resolver {
    List<InetAddress> resolve(String host) throws UnknownHostException;
  }

  private final long ttlNanos;
  private final long staleNanos;
  private final Ticker ticker;
  private final TransportStats stats;
  private final Map<String, Entry> entries = new ConcurrentHashMap<>();

  public DnsCache(Duration ttl, Duration staleIfError, Ticker ticker, TransportStats stats) {
    this.ttlNanos = ttl.toNanos();
    this.staleNanos = staleIfError.toNanos();
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.stats = Objects.requireNonNull(stats, "stats");
  }

  /** The cache of {@code config}. */
  public static DnsCache of(FnClientsConfig config, TransportStats stats) {
    return new DnsCache(config.dnsTtl(), config.dnsStaleIfError(), config.ticker(), stats);
  }

  /**
   * Returns the addresses of {@code host}, from the cache when fresh, else from {@code resolver}.
   */
  public List<InetAddress> lookup(String host, Resolver resolver) throws UnknownHostException {
    long now = ticker.read();
    Entry cached = entries.get(host);
    if (cached != null && now - cached.resolvedAt() < ttlNanos) {
      stats.increment(MetricNames.DNS_CACHED);
      return cached.addresses();
    }
    try {
      List<InetAddress> addresses = List.copyOf(resolver.resolve(host));
      if (addresses.isEmpty()) {
        throw new UnknownHostException(host + ": the resolver returned no address");
      }
      entries.put(host, new Entry(addresses, ticker.read()));
      stats.increment(MetricNames.DNS_RESOLVED);
      return addresses;
    } catch (UnknownHostException | RuntimeException e) {
      if (cached != null && now - cached.resolvedAt() < ttlNanos + staleNanos) {
        stats.increment(MetricNames.DNS_STALE);
        return cached.addresses();
      }
      stats.increment(MetricNames.DNS_FAILED);
      throw e;
    }
  }

  /** A good answer and when it was resolved, by the {@link Ticker}. */
  private record Entry(List<InetAddress> addresses, long resolvedAt) {}
}
