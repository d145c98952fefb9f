package dev.fnclients.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fnclients.examples.IdleGap.Run;
import dev.fnclients.examples.IdleGap.Settings;
import dev.fnclients.testkit.IdleKillingProxy.Mode;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The simulation's idle-gap scenario with silent drops, one frozen gap, for each protocol. */
class IdleGapTest {

  @ParameterizedTest
  @ValueSource(strings = {"http", "grpc"})
  void afterAFrozenGapOnlyTheDefaultSharedClientStallsIntoADroppedConnection(String protocol)
      throws Exception {
    // Frozen 1.3 s (past the proxy's 1 s idle limit) before invocation 5; default timeouts 2 s.
    Settings s = new Settings(1000, 1300, 100, 500, 2000, 6, 4, 1, 1, List.of(protocol));

    List<Run> runs = new ArrayList<>();
    for (String variant : IdleGap.VARIANTS) {
      runs.add(IdleGap.run(s, protocol, Mode.DROP, variant));
    }

    Run perCall = runs.get(0);
    Run shared = runs.get(1);
    Run fn = runs.get(2);
    assertThat(perCall.failed()).as("client per invocation: %s", perCall.errors()).isZero();
    assertThat(perCall.connections()).isGreaterThanOrEqualTo(s.invocations());

    assertThat(shared.killed())
        .as("default shared client writes into a dead connection")
        .isPositive();
    assertThat(failedInvocations(shared))
        .as(
            "a silent drop ends in the read timeout or deadline, after the gap: %s",
            shared.errors())
        .startsWith(5);
    assertThat(shared.maxMillis()).isGreaterThanOrEqualTo(s.timeoutMillis() * 0.9);

    assertThat(fn.failed()).as("FnClients: %s", fn.errors()).isZero();
    assertThat(fn.maxMillis())
        .as("FnClients never waits for a timeout")
        .isLessThan(s.timeoutMillis());
    assertThat(fn.connections()).as("FnClients reuses its connection").isLessThanOrEqualTo(3);
    if (protocol.equals("grpc")) {
      assertThat(fn.idleDiscards()).as("FnClients reset its idle channel").isPositive();
    } else {
      // Not for gRPC: its idle reset writes a GOAWAY into the old connection, which counts too.
      assertThat(fn.killed()).as("FnClients requests sent into a dead connection").isZero();
    }
  }

  private static List<Integer> failedInvocations(Run r) {
    return IntStream.range(0, r.invocations())
        .filter(i -> !r.okList().get(i))
        .mapToObj(i -> i + 1)
        .toList();
  }
}
