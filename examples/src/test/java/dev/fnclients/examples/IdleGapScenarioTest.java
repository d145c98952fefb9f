package dev.fnclients.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fnclients.examples.IdleGapScenario.FnClientsHandle;
import dev.fnclients.examples.IdleGapScenario.Settings;
import dev.fnclients.examples.IdleGapScenario.Variant;
import dev.fnclients.examples.IdleGapScenario.VariantResult;
import dev.fnclients.FnClientsInstance;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.testkit.IdleKillingProxy.Mode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class IdleGapScenarioTest {

  @Test
  @Timeout(60)
  void silentDropHurtsOnlyTheDefaultSharedClient() throws Exception {
    // Its own runtime rather than the process-global FnClients, so this test configures nothing global.
    FnClientsConfig config =
        FnClientsConfig.custom()
            .maxIdleAge(Duration.ofMillis(700))
            .readTimeout(Duration.ofSeconds(2))
            .meterRegistry(new SimpleMeterRegistry())
            .build();
    FnClientsInstance runtime = FnClientsInstance.create(config);
    Settings settings = Settings.defaults(Mode.DROP).withInvocations(6); // gaps before invocations 3 and 6

    List<VariantResult> results;
    try {
      results = IdleGapScenario.run(settings, FnClientsHandle.of(runtime));
    } finally {
      runtime.shutdown();
    }

    VariantResult perCall = result(results, Variant.CLIENT_PER_INVOCATION);
    VariantResult shared = result(results, Variant.DEFAULT_SHARED);
    VariantResult fn = result(results, Variant.FNCLIENTS);

    assertThat(fn.failed()).as("FnClients failures: %s", fn.failures()).isZero();
    assertThat(fn.killed()).as("FnClients requests sent into a dead connection").isZero();
    assertThat(fn.ok()).isEqualTo(2 * settings.invocations());
    assertThat(fn.serverReceived()).isEqualTo(2 * settings.invocations());

    assertThat(shared.killed()).as("default shared client requests sent into a dead connection").isPositive();
    assertThat(shared.failed()).as("a silent drop ends in the read timeout").isPositive();

    assertThat(perCall.connectionsOpened()).isGreaterThanOrEqualTo(settings.invocations());
    assertThat(perCall.failed()).isZero();
  }

  private static VariantResult result(List<VariantResult> results, Variant variant) {
    return results.stream().filter(r -> r.variant() == variant).findFirst().orElseThrow();
  }
}
