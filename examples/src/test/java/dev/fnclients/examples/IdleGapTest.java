package dev.fnclients.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fnclients.examples.IdleGap.Run;
import dev.fnclients.testkit.IdleKillingProxy.Mode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class IdleGapTest {

  @Test
  @Timeout(180)
  void silentDropAfterAFrozenGapHurtsOnlyTheDefaultSharedClient() throws Exception {
    IdleGap.Settings settings = IdleGapDemo.settings();
    settings = settings.with(7, settings.gapEvery(), settings.timeout()); // frozen long gaps before invocations 4 and 7

    List<Run> runs = IdleGapDemo.run(settings, Mode.DROP);

    Run perCall = runs.get(0);
    Run shared = runs.get(1);
    Run fn = runs.get(2);
    int requests = settings.invocations() * settings.calls().size();
    assertThat(fn.failed()).as("FnClients failures: %s", fn.failures()).isZero();
    assertThat(fn.killed()).as("FnClients requests sent into a dead connection").isZero();
    assertThat(fn.serverReceived()).isEqualTo(requests);
    assertThat(fn.connections()).as("FnClients reuses its connection between the long gaps").isLessThan(requests / 2);

    assertThat(shared.killed()).as("default shared client requests sent into a dead connection").isPositive();
    assertThat(shared.failed()).as("a silent drop ends in the read timeout").isPositive();
    assertThat(shared.failures()).allSatisfy(f -> assertThat(f).contains("first call after a 1300 ms gap"));

    assertThat(perCall.connections()).isGreaterThanOrEqualTo(requests);
    assertThat(perCall.failed()).isZero();
  }
}
