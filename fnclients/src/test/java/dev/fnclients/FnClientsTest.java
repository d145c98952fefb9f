package dev.fnclients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fnclients.pool.FnClientsConfig;
import org.junit.jupiter.api.Test;

/** The static facade: one client per process, configured before first use only. */
class FnClientsTest {

  @Test
  void httpReturnsTheSameClientEveryTimeAndConfigureAfterFirstUseIsRefused() {
    assertThat(FnClients.http()).isSameAs(FnClients.http());
    assertThat(FnClients.http().newBuilder().build().connectionPool())
        .isSameAs(FnClients.http().connectionPool());

    assertThatThrownBy(() -> FnClients.configure(FnClientsConfig.ofDefaults()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("before the first client");
  }
}
