package dev.fnclients.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.ManualTicker;
import dev.fnclients.pool.TestSupport;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IdlePolicyTest {
  private static final long SECOND = 1_000_000_000L;

  @ParameterizedTest(name = "idle {1} ns with limit {2} ns -> expired={3}")
  @CsvSource({
    // idleSince, now, max, expired
    "0, 45000000000, 45000000000, false", // exactly at the limit: still usable
    "0, 45000000001, 45000000000, true", // one nanosecond past: expired
    "0, 44999999999, 45000000000, false",
    "100, 100, 0, false", // a zero limit allows reuse only at the same instant
    "100, 101, 0, true",
    // readings are differences: a ticker that wraps past Long.MAX_VALUE still compares correctly
    "9223372036854775800, -9223372036854775806, 10, false",
    "9223372036854775800, -9223372036854775805, 10, true",
  })
  void connectionIsExpiredOnlyOnceItHasBeenIdleStrictlyLongerThanTheLimit(
      long idleSince, long now, long max, boolean expired) {
    assertThat(IdlePolicy.isExpired(idleSince, now, max)).isEqualTo(expired);
  }

  @ParameterizedTest(name = "hint {0} ns, max {1} s -> limit {2} ns")
  @CsvSource({
    "-1,          45, 45000000000", // no hint: the configured maximum
    "-5000000000, 45, 45000000000",
    "5000000000,  45, 4000000000", // Keep-Alive: timeout=5 -> a second early
    "60000000000, 45, 45000000000", // a generous server does not lengthen the maximum
    "46000000000, 45, 45000000000",
    "1000000000,  45, 0", // timeout=1 leaves nothing
    "0,           45, 0",
    "500000000,   45, 0", // never negative
  })
  void limitIsTheMaximumShortenedToOneSecondBeforeTheServersKeepAliveTimeout(
      long hintNanos, long maxSeconds, long expectedNanos) {
    IdlePolicy policy = new IdlePolicy(Duration.ofSeconds(maxSeconds), new ManualTicker());

    assertThat(policy.limitNanos(hintNanos)).isEqualTo(expectedNanos);
  }

  @Test
  void expiryFlipsWhenTheTickerAdvancesPastTheLimit() {
    ManualTicker ticker = new ManualTicker();
    IdlePolicy policy = new IdlePolicy(Duration.ofSeconds(45), ticker);
    long idleSince = policy.now();
    long limit = policy.limitNanos(-1);

    assertThat(policy.isExpired(idleSince, limit)).isFalse();
    ticker.advance(Duration.ofSeconds(45));
    assertThat(policy.isExpired(idleSince, limit)).as("exactly at the limit").isFalse();
    ticker.advanceNanos(1);
    assertThat(policy.isExpired(idleSince, limit)).isTrue();
  }

  @Test
  void serverHintShortensExpiryForThatConnectionOnly() {
    ManualTicker ticker = new ManualTicker();
    IdlePolicy policy = new IdlePolicy(Duration.ofSeconds(45), ticker);
    long idleSince = policy.now();

    ticker.advance(Duration.ofSeconds(4)).advanceNanos(1);

    assertThat(policy.isExpired(idleSince, policy.limitNanos(5 * SECOND))).isTrue();
    assertThat(policy.isExpired(idleSince, policy.limitNanos(-1))).isFalse();
  }

  @Test
  void expiryDoesNotDependOnTimePassingWhileNobodyLooks() {
    // Nothing runs between readings (as when the CPU is throttled between invocations); the age is
    // computed from the ticker when the connection is taken.
    ManualTicker ticker = new ManualTicker();
    IdlePolicy policy = new IdlePolicy(Duration.ofSeconds(45), ticker);
    long idleSince = policy.now();

    ticker.advance(Duration.ofMinutes(30));

    assertThat(policy.isExpired(idleSince, policy.maxIdleNanos())).isTrue();
  }

  @Test
  void policyOfConfigUsesItsMaxIdleAgeAndTicker() {
    ManualTicker ticker = new ManualTicker(42);
    FnClientsConfig config =
        TestSupport.defaults().maxIdleAge(Duration.ofSeconds(7)).ticker(ticker).build();

    IdlePolicy policy = IdlePolicy.of(config);

    assertThat(policy.maxIdleNanos()).isEqualTo(7 * SECOND);
    assertThat(policy.now()).isEqualTo(42);
  }
}
