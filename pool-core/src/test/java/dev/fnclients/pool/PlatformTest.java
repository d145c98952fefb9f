package dev.fnclients.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class PlatformTest {

  static Stream<Arguments> environments() {
    return Stream.of(
        Arguments.of("empty", Map.of(), Platform.OTHER),
        Arguments.of(
            "2nd gen function",
            Map.of("FUNCTION_TARGET", "handler", "K_SERVICE", "fn", "K_CONFIGURATION", "fn"),
            Platform.CLOUD_RUN_FUNCTIONS),
        Arguments.of(
            "function without K_CONFIGURATION",
            Map.of("FUNCTION_TARGET", "handler", "K_SERVICE", "fn"),
            Platform.CLOUD_FUNCTIONS_GEN1),
        Arguments.of(
            "FUNCTION_TARGET alone",
            Map.of("FUNCTION_TARGET", "handler"),
            Platform.CLOUD_FUNCTIONS_GEN1),
        Arguments.of(
            "old runtime FUNCTION_NAME",
            Map.of("FUNCTION_NAME", "fn"),
            Platform.CLOUD_FUNCTIONS_GEN1),
        Arguments.of(
            "old runtime FUNCTION_REGION",
            Map.of("FUNCTION_REGION", "us-central1"),
            Platform.CLOUD_FUNCTIONS_GEN1),
        Arguments.of(
            "FUNCTION_SIGNATURE_TYPE alone",
            Map.of("FUNCTION_SIGNATURE_TYPE", "http"),
            Platform.CLOUD_FUNCTIONS_GEN1),
        Arguments.of(
            "FUNCTION_SIGNATURE_TYPE with K_CONFIGURATION",
            Map.of("FUNCTION_SIGNATURE_TYPE", "http", "K_CONFIGURATION", "fn"),
            Platform.CLOUD_RUN_FUNCTIONS),
        Arguments.of(
            "Cloud Run service",
            Map.of("K_SERVICE", "svc", "K_REVISION", "svc-00001", "K_CONFIGURATION", "svc"),
            Platform.CLOUD_RUN),
        Arguments.of("K_SERVICE alone", Map.of("K_SERVICE", "svc"), Platform.CLOUD_RUN),
        Arguments.of("Cloud Run job", Map.of("CLOUD_RUN_JOB", "job"), Platform.CLOUD_RUN),
        Arguments.of("K_CONFIGURATION alone", Map.of("K_CONFIGURATION", "svc"), Platform.OTHER),
        Arguments.of("blank FUNCTION_TARGET", Map.of("FUNCTION_TARGET", "  "), Platform.OTHER),
        Arguments.of(
            "blank FUNCTION_TARGET on Cloud Run",
            Map.of("FUNCTION_TARGET", "", "K_SERVICE", "svc", "K_CONFIGURATION", "svc"),
            Platform.CLOUD_RUN),
        Arguments.of(
            "blank K_CONFIGURATION",
            Map.of("FUNCTION_TARGET", "handler", "K_SERVICE", "fn", "K_CONFIGURATION", " "),
            Platform.CLOUD_FUNCTIONS_GEN1),
        Arguments.of("blank FUNCTION_NAME", Map.of("FUNCTION_NAME", "\t"), Platform.OTHER),
        Arguments.of("blank K_SERVICE", Map.of("K_SERVICE", ""), Platform.OTHER));
  }

  @ParameterizedTest(name = "{0} -> {2}")
  @MethodSource("environments")
  void detectsThePlatformFromTheEnvironment(
      String label, Map<String, String> env, Platform expected) {
    assertThat(Platform.detect(TestSupport.env(env))).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("environments")
  void systemPropertiesPlayNoPartInDetection(
      String label, Map<String, String> env, Platform expected) {
    // The same names as system properties must not change the answer.
    Environment withProps =
        Environment.of(
            env, Map.of("FUNCTION_TARGET", "x", "K_SERVICE", "y", "K_CONFIGURATION", "z"));

    assertThat(Platform.detect(withProps)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}: window {1}s, default max idle age {2}s")
  @CsvSource({
    "CLOUD_FUNCTIONS_GEN1, 120, 90",
    "CLOUD_RUN_FUNCTIONS,  600, 450",
    "CLOUD_RUN,            600, 450",
    "OTHER,                 60, 45",
  })
  void defaultMaxIdleAgeIsThreeQuartersOfTheIdleWindow(
      Platform platform, long windowSeconds, long idleSeconds) {
    assertThat(platform.idleWindow()).isEqualTo(Duration.ofSeconds(windowSeconds));
    assertThat(platform.defaultMaxIdleAge()).isEqualTo(Duration.ofSeconds(idleSeconds));
  }

  @ParameterizedTest
  @EnumSource(Platform.class)
  void defaultMaxIdleAgeIsStrictlyBelowThePlatformsIdleWindow(Platform platform) {
    assertThat(platform.defaultMaxIdleAge()).isLessThan(platform.idleWindow()).isPositive();
  }
}
