package dev.fnclients.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.fnclients.pool.ManualTicker;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.pool.TestSupport;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DnsCacheTest {
  private static final Duration TTL = Duration.ofSeconds(30);
  private static final Duration STALE = Duration.ofMinutes(10);

  private final ManualTicker ticker = new ManualTicker();
  private final TransportStats stats = new TransportStats("http");
  private final CountingResolver resolver = new CountingResolver();

  /** Answers 10.0.0.n on the n-th successful lookup; can be switched to fail. */
  static final class CountingResolver implements DnsCache.Resolver {
    final AtomicInteger calls = new AtomicInteger();
    volatile boolean failing;
    volatile boolean empty;
    private int answers;

    @Override
    public List<InetAddress> resolve(String host) throws UnknownHostException {
      calls.incrementAndGet();
      if (failing) {
        throw new UnknownHostException(host + ": resolver down");
      }
      if (empty) {
        return List.of();
      }
      answers++;
      return List.of(InetAddress.getByAddress(host, new byte[] {10, 0, 0, (byte) answers}));
    }
  }

  private DnsCache cache(Duration ttl, Duration stale) {
    return new DnsCache(ttl, stale, ticker, stats);
  }

  private static String first(List<InetAddress> addresses) {
    return addresses.get(0).getHostAddress();
  }

  @Test
  void secondLookupWithinTheTtlIsAnsweredFromTheCache() throws Exception {
    DnsCache dns = cache(TTL, STALE);
    List<InetAddress> answer = dns.lookup("api.example.com", resolver);

    ticker.advance(TTL.minusNanos(1));
    List<InetAddress> again = dns.lookup("api.example.com", resolver);

    assertThat(again).isEqualTo(answer);
    assertThat(resolver.calls).hasValue(1);
    assertThat(stats.count(MetricNames.DNS_RESOLVED)).isEqualTo(1);
    assertThat(stats.count(MetricNames.DNS_CACHED)).isEqualTo(1);
  }

  @Test
  void hostsAreCachedSeparately() throws Exception {
    DnsCache dns = cache(TTL, STALE);
    dns.lookup("a.example.com", resolver);

    List<InetAddress> b = dns.lookup("b.example.com", resolver);

    assertThat(b.get(0).getHostName()).isEqualTo("b.example.com");
    assertThat(resolver.calls).hasValue(2);
  }

  @Test
  void lookupAtOrAfterTheTtlResolvesAgain() throws Exception {
    DnsCache dns = cache(TTL, STALE);
    assertThat(first(dns.lookup("h", resolver))).isEqualTo("10.0.0.1");

    ticker.advance(TTL);
    assertThat(first(dns.lookup("h", resolver))).isEqualTo("10.0.0.2");

    assertThat(resolver.calls).hasValue(2);
    assertThat(stats.count(MetricNames.DNS_RESOLVED)).isEqualTo(2);
    assertThat(stats.count(MetricNames.DNS_CACHED)).isZero();
    // The fresh answer starts a new TTL.
    ticker.advance(TTL.minusSeconds(1));
    assertThat(first(dns.lookup("h", resolver))).isEqualTo("10.0.0.2");
    assertThat(resolver.calls).hasValue(2);
  }

  @Test
  void failedLookupAfterTheTtlServesTheStaleAnswerUntilStaleIfErrorRunsOut() throws Exception {
    DnsCache dns = cache(TTL, STALE);
    List<InetAddress> good = dns.lookup("h", resolver);
    resolver.failing = true;

    ticker.advance(TTL.plusSeconds(1));
    assertThat(dns.lookup("h", resolver)).isEqualTo(good);
    ticker.advance(STALE.minusSeconds(2)); // ttl + staleIfError - 1s since the good answer
    assertThat(dns.lookup("h", resolver)).isEqualTo(good);
    assertThat(stats.count(MetricNames.DNS_STALE)).isEqualTo(2);
    assertThat(resolver.calls).as("each stale answer still tried the resolver first").hasValue(3);

    ticker.advance(Duration.ofSeconds(2)); // ttl + staleIfError + 1s
    Throwable thrown = catchThrowable(() -> dns.lookup("h", resolver));

    assertThat(thrown)
        .isInstanceOf(UnknownHostException.class)
        .hasMessageContaining("resolver down");
    assertThat(stats.count(MetricNames.DNS_FAILED)).isEqualTo(1);
    assertThat(stats.count(MetricNames.DNS_STALE)).isEqualTo(2);
  }

  @Test
  void resolverRecoveringDuringTheStalePeriodReplacesTheStaleAnswer() throws Exception {
    DnsCache dns = cache(TTL, STALE);
    dns.lookup("h", resolver);
    resolver.failing = true;
    ticker.advance(TTL.plusSeconds(5));
    assertThat(first(dns.lookup("h", resolver))).isEqualTo("10.0.0.1");

    resolver.failing = false;
    assertThat(first(dns.lookup("h", resolver))).isEqualTo("10.0.0.2");
    assertThat(first(dns.lookup("h", resolver))).isEqualTo("10.0.0.2");

    assertThat(stats.count(MetricNames.DNS_CACHED)).isEqualTo(1);
  }

  @Test
  void failedLookupWithNothingCachedPropagatesTheUnknownHostException() {
    DnsCache dns = cache(TTL, STALE);
    resolver.failing = true;

    assertThat(catchThrowable(() -> dns.lookup("h", resolver)))
        .isInstanceOf(UnknownHostException.class);
    assertThat(stats.count(MetricNames.DNS_FAILED)).isEqualTo(1);
  }

  @Test
  void emptyAnswerIsTreatedAsAFailureAndIsNotCached() throws Exception {
    DnsCache dns = cache(TTL, STALE);
    resolver.empty = true;

    assertThat(catchThrowable(() -> dns.lookup("h", resolver)))
        .isInstanceOf(UnknownHostException.class)
        .hasMessageContaining("no address");

    resolver.empty = false;
    assertThat(first(dns.lookup("h", resolver))).isEqualTo("10.0.0.1");
  }

  @Test
  void zeroTtlAlwaysAsksTheResolver() throws Exception {
    DnsCache dns = cache(Duration.ZERO, STALE);

    for (int i = 1; i <= 3; i++) {
      assertThat(first(dns.lookup("h", resolver))).isEqualTo("10.0.0." + i);
    }

    assertThat(resolver.calls).hasValue(3);
    assertThat(stats.count(MetricNames.DNS_CACHED)).isZero();
    assertThat(stats.count(MetricNames.DNS_RESOLVED)).isEqualTo(3);
  }

  @Test
  void zeroStaleIfErrorFailsAsSoonAsTheTtlIsOver() throws Exception {
    DnsCache dns = cache(TTL, Duration.ZERO);
    dns.lookup("h", resolver);
    resolver.failing = true;
    ticker.advance(TTL);

    assertThat(catchThrowable(() -> dns.lookup("h", resolver)))
        .isInstanceOf(UnknownHostException.class);
    assertThat(stats.count(MetricNames.DNS_STALE)).isZero();
  }

  @Test
  void cacheOfConfigUsesItsTtlAndTicker() throws Exception {
    DnsCache dns =
        DnsCache.of(
            TestSupport.defaults().dnsTtl(Duration.ofSeconds(2)).ticker(ticker).build(), stats);
    dns.lookup("h", resolver);
    ticker.advance(Duration.ofSeconds(1));
    dns.lookup("h", resolver);
    assertThat(resolver.calls).hasValue(1);

    ticker.advance(Duration.ofSeconds(1));
    dns.lookup("h", resolver);
    assertThat(resolver.calls).hasValue(2);
  }
}
