package dev.fnclients.google.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fnclients.google.GoogleConfig;
import dev.fnclients.pool.Environment;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Where a Google client's calls go: emulator variables, options and the endpoint GAX resolved. */
class TargetTest {
  private static final Environment NO_ENV = Environment.of(Map.of(), Map.of());

  @ParameterizedTest
  @CsvSource({
    "pubsub.googleapis.com:443, PUBSUB_EMULATOR_HOST",
    "us-east1-pubsub.googleapis.com:443, PUBSUB_EMULATOR_HOST",
    "pubsub.us-east1.rep.googleapis.com:443, PUBSUB_EMULATOR_HOST",
    "firestore.googleapis.com:443, FIRESTORE_EMULATOR_HOST",
    "datastore.googleapis.com:443, DATASTORE_EMULATOR_HOST",
    "spanner.googleapis.com:443, SPANNER_EMULATOR_HOST",
    "bigtableadmin.googleapis.com:443, BIGTABLE_EMULATOR_HOST",
    "bigtable.googleapis.com:443, BIGTABLE_EMULATOR_HOST",
  })
  void servicesWithAnEmulatorGoToTheHostTheirVariableNamesInPlaintext(
      String endpoint, String variable) {
    Environment env = Environment.of(Map.of(variable, "localhost:9010"), Map.of());

    assertThat(Target.resolve(endpoint, GoogleConfig.ofDefaults(), env))
        .isEqualTo(new Target("localhost:9010", true));
  }

  @Test
  void aSchemeInTheVariableIsDropped() {
    Environment env =
        Environment.of(Map.of("SPANNER_EMULATOR_HOST", "http://localhost:9010"), Map.of());

    assertThat(
            Target.resolve("spanner.googleapis.com:443", GoogleConfig.ofDefaults(), env).hostPort())
        .isEqualTo("localhost:9010");
  }

  @Test
  void anotherServicesVariableDoesNotApply() {
    Environment env = Environment.of(Map.of("PUBSUB_EMULATOR_HOST", "localhost:8085"), Map.of());

    assertThat(Target.resolve("secretmanager.googleapis.com:443", GoogleConfig.ofDefaults(), env))
        .isEqualTo(new Target("secretmanager.googleapis.com:443", false));
    assertThat(Target.resolve("pubsub.example.com:443", GoogleConfig.ofDefaults(), env).emulator())
        .isFalse();
  }

  @Test
  void theResolvedEndpointIsUsedOverTlsWhenNothingElseIsSet() {
    assertThat(Target.resolve("eu-language.googleapis.com:443", GoogleConfig.ofDefaults(), NO_ENV))
        .isEqualTo(new Target("eu-language.googleapis.com:443", false));
    assertThat(
            Target.resolve("language.googleapis.com", GoogleConfig.ofDefaults(), NO_ENV).hostPort())
        .isEqualTo("language.googleapis.com:443");
  }

  @Test
  void anEndpointInTheOptionsReplacesTheResolvedOneAndAnEmulatorInTheOptionsWinsOverBoth() {
    Environment env = Environment.of(Map.of("SPANNER_EMULATOR_HOST", "localhost:9010"), Map.of());
    GoogleConfig regional = GoogleConfig.custom().endpoint("regional.example.com:443").build();
    GoogleConfig emulator =
        GoogleConfig.custom()
            .endpoint("regional.example.com:443")
            .emulatorHost("127.0.0.1:1234")
            .build();

    assertThat(Target.resolve("secretmanager.googleapis.com:443", regional, NO_ENV))
        .isEqualTo(new Target("regional.example.com:443", false));
    assertThat(Target.resolve("spanner.googleapis.com:443", regional, env))
        .as("the emulator variable wins")
        .isEqualTo(new Target("localhost:9010", true));
    assertThat(Target.resolve("spanner.googleapis.com:443", emulator, env))
        .isEqualTo(new Target("127.0.0.1:1234", true));
  }
}
