package dev.fnclients.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fnclients.examples.IdleGap.Run;
import dev.fnclients.testkit.IdleKillingProxy.Mode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class IdleGapTest {

  @Test
  @Timeout(180)
  void silentDropAfterAFrozenGapHurtsOnlyTheDefaultSharedClient() throws Exception {
    IdleGap.Settings settings = IdleGapDemo.settings();
    settings =
        settings.with(
            7,
            settings.gapEvery(),
            settings.timeout()); // frozen long gaps before invocations 4 and 7

    List<Run> runs = IdleGapDemo.run(settings, Mode.DROP);

    Run perCall = runs.get(0);
    Run shared = runs.get(1);
    Run fn = runs.get(2);
    int requests = settings.invocations() * settings.calls().size();
    assertThat(fn.failed()).as("FnClients failures: %s", fn.failures()).isZero();
    assertThat(fn.killed()).as("FnClients requests sent into a dead connection").isZero();
    assertThat(fn.serverReceived()).isEqualTo(requests);
    assertThat(fn.connections())
        .as("FnClients reuses its connection between the long gaps")
        .isLessThan(requests / 2);

    assertThat(shared.killed())
        .as("default shared client requests sent into a dead connection")
        .isPositive();
    assertThat(shared.failed()).as("a silent drop ends in the read timeout").isPositive();
    assertThat(shared.failures())
        .allSatisfy(f -> assertThat(f).contains("first call after a 1300 ms gap"));

    assertThat(perCall.connections()).isGreaterThanOrEqualTo(requests);
    assertThat(perCall.failed()).isZero();
  }

  @Test
  @Timeout(180)
  void grpcDefaultChannelHangsUntilItsDeadlineAfterAFrozenGapWhileFnClientsDoesNot()
      throws Exception {
    IdleGap.Settings settings =
        new IdleGap.Settings(
            Duration.ofSeconds(1),
            Duration.ofMillis(1300),
            Duration.ofMillis(100),
            5,
            4,
            Duration.ofSeconds(2),
            List.of("SAY"),
            Map.of("FNCLIENTS_MAX_IDLE_AGE", "500ms"),
            null); // long gap before 5

    List<Run> runs = new ArrayList<>();
    try (IdleGap.Upstream upstream = IdleGap.Upstream.start("grpc")) {
      for (String variant : IdleGapInstance.VARIANTS) {
        runs.add(IdleGap.run(settings, Mode.DROP, variant, upstream));
      }
    }

    assertThat(runs.get(0).failed())
        .as("channel per invocation: %s", runs.get(0).failures())
        .isZero();
    assertThat(runs.get(1).failures())
        .as("default shared channel")
        .anySatisfy(f -> assertThat(f).startsWith("invocation 5 ").contains("DEADLINE_EXCEEDED"));
    assertThat(runs.get(2).failed()).as("FnClients: %s", runs.get(2).failures()).isZero();
    assertThat(runs.get(2).stat("idleEvictions"))
        .as("FnClients reset its idle channel")
        .isPositive();
  }
}
