package dev.fnclients.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fnclients.pool.MetricNames;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class MetricsHubTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final MetricsHub metrics = new MetricsHub();

  private FunctionCounter counter(String name, String... tags) {
    return registry.get(name).tags(tags).functionCounter();
  }

  @ParameterizedTest(name = "{0} -> {1} {2}={3}")
  @CsvSource({
    "CONNECTIONS_OPENED,     fnclients.connections.opened,  ,        ",
    "CONNECTIONS_REUSED,     fnclients.connections.reused,  ,        ",
    "IDLE_EVICTIONS,         fnclients.connections.evicted, reason,  idle-expired",
    "PEER_CLOSED_EVICTIONS,  fnclients.connections.evicted, reason,  peer-closed",
    "CAP_EVICTIONS,          fnclients.connections.evicted, reason,  cap",
    "RETRIES,                fnclients.retries,             reason,  connection",
    "STATUS_RETRIES,         fnclients.retries,             reason,  status",
    "RETRIES_REFUSED_BUDGET, fnclients.retries.refused,     reason,  budget",
    "RETRIES_REFUSED_WAIT,   fnclients.retries.refused,     reason,  wait",
    "RETRIES_REFUSED_UNSAFE, fnclients.retries.refused,     reason,  not-idempotent",
    "CAP_WAITS,              fnclients.cap.waits,           ,        ",
    "CAP_REJECTIONS,         fnclients.cap.rejections,      ,        ",
    "DNS_RESOLVED,           fnclients.dns.lookups,         outcome, resolved",
    "DNS_CACHED,             fnclients.dns.lookups,         outcome, cached",
    "DNS_STALE,              fnclients.dns.lookups,         outcome, stale",
    "DNS_FAILED,             fnclients.dns.lookups,         outcome, failed",
    "MESSAGES_PUBLISHED,     fnclients.pubsub.messages,     outcome, published",
    "MESSAGES_FAILED,        fnclients.pubsub.messages,     outcome, failed",
    "CLIENTS_CREATED,        fnclients.clients.created,     ,        ",
  })
  void incrementsShowUpAsAFunctionCounterWithTheTransportAndFixedTags(
      MetricNames metric, String meterName, String tagKey, String tagValue) {
    metrics.bindTo(registry);
    TransportStats http = metrics.transport("http");

    http.increment(metric);
    http.increment(metric);

    List<String> tags = new ArrayList<>(List.of("transport", "http"));
    if (tagKey != null) {
      tags.add(tagKey);
      tags.add(tagValue);
    }
    FunctionCounter counter = counter(meterName, tags.toArray(String[]::new));
    assertThat(counter.count()).isEqualTo(2.0);
    assertThat(counter.getId().getDescription()).isEqualTo(metric.description());
    Set<String> expectedKeys = tagKey == null ? Set.of("transport") : Set.of("transport", tagKey);
    assertThat(counter.getId().getTags())
        .extracting(Tag::getKey)
        .containsExactlyInAnyOrderElementsOf(expectedKeys);
  }

  @Test
  void countersOfOneTransportDoNotMoveAnothers() {
    metrics.bindTo(registry);
    metrics.transport("http").increment(MetricNames.CONNECTIONS_OPENED);
    metrics.transport("grpc");

    assertThat(counter("fnclients.connections.opened", "transport", "http").count()).isEqualTo(1.0);
    assertThat(counter("fnclients.connections.opened", "transport", "grpc").count()).isZero();
  }

  @Test
  void sameTransportNameReturnsTheSameStats() {
    assertThat(metrics.transport("http")).isSameAs(metrics.transport("http"));
    assertThat(metrics.transport("http")).isNotSameAs(metrics.transport("grpc"));
  }

  @Test
  void transportsCreatedBeforeAndAfterBindingAreBothRegistered() {
    TransportStats before = metrics.transport("http");
    metrics.bindTo(registry);
    TransportStats after = metrics.transport("pubsub");

    before.increment(MetricNames.RETRIES);
    after.increment(MetricNames.RETRIES);
    after.increment(MetricNames.RETRIES);

    assertThat(counter("fnclients.retries", "transport", "http", "reason", "connection").count())
        .isEqualTo(1.0);
    assertThat(counter("fnclients.retries", "transport", "pubsub", "reason", "connection").count())
        .isEqualTo(2.0);
  }

  @Test
  void countsKeptBeforeBindingAreVisibleOnceBound() {
    metrics.transport("http").increment(MetricNames.CAP_REJECTIONS);

    metrics.bindTo(registry);

    assertThat(counter("fnclients.cap.rejections", "transport", "http").count()).isEqualTo(1.0);
  }

  @Test
  void bindingTheSameRegistryTwiceDoesNotDuplicateMeters() {
    metrics.transport("http");
    metrics.bindTo(registry);
    int once = registry.getMeters().size();

    metrics.bindTo(registry);
    metrics.transport("http");

    assertThat(once).isEqualTo(MetricNames.values().length);
    assertThat(registry.getMeters()).hasSize(once);
    Set<Meter.Id> ids = new HashSet<>();
    registry.getMeters().forEach(m -> ids.add(m.getId()));
    assertThat(ids).hasSize(once);
  }

  @Test
  void everyTransportIsBoundToEveryRegistry() {
    SimpleMeterRegistry other = new SimpleMeterRegistry();
    metrics.bindTo(registry);
    metrics.bindTo(other);
    metrics.transport("http").increment(MetricNames.DNS_CACHED);
    metrics.transport("grpc");

    for (SimpleMeterRegistry r : List.of(registry, other)) {
      assertThat(r.getMeters()).hasSize(2 * MetricNames.values().length);
      assertThat(
              r.get("fnclients.dns.lookups")
                  .tags("transport", "http", "outcome", "cached")
                  .functionCounter()
                  .count())
          .isEqualTo(1.0);
    }
  }

  @ParameterizedTest
  @EnumSource(MetricNames.class)
  void everyMeterNameIsLowercaseDotSeparated(MetricNames metric) {
    assertThat(metric.meterName()).matches("^[a-z]+(\\.[a-z]+)+$").startsWith("fnclients.");
    assertThat(metric.tags().length % 2).as("tags come in key/value pairs").isZero();
  }

  @Test
  void httpRequestTimerNameIsLowercaseDotSeparatedToo() {
    assertThat(MetricNames.HTTP_REQUESTS).matches("^[a-z]+(\\.[a-z]+)+$");
  }

  @Test
  void tagsReturnsACopyThatCallersCannotCorrupt() {
    String[] tags = MetricNames.DNS_CACHED.tags();
    tags[1] = "corrupted";

    assertThat(MetricNames.DNS_CACHED.tags()).containsExactly("outcome", "cached");
  }

  @Test
  void transportStatsCountEachCounterSeparately() {
    TransportStats stats = new TransportStats("http");
    stats.increment(MetricNames.DNS_STALE);
    stats.increment(MetricNames.DNS_STALE);
    stats.increment(MetricNames.DNS_FAILED);

    assertThat(stats.count(MetricNames.DNS_STALE)).isEqualTo(2);
    assertThat(stats.count(MetricNames.DNS_FAILED)).isEqualTo(1);
    assertThat(stats.count(MetricNames.DNS_CACHED)).isZero();
    assertThat(stats.transport()).isEqualTo("http");
  }
}
