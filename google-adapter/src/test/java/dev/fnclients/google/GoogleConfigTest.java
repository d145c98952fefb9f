package dev.fnclients.google;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.api.gax.core.NoCredentialsProvider;
import dev.fnclients.pool.InvalidConfigurationException;
import org.junit.jupiter.api.Test;

class GoogleConfigTest {

  @Test
  void aHostWithoutAPortIsRejectedNamingTheSettingAndTheForm() {
    assertThatThrownBy(() -> GoogleConfig.custom().endpoint("secretmanager.googleapis.com"))
        .isInstanceOf(InvalidConfigurationException.class)
        .hasMessageContaining("endpoint must be host:port")
        .hasMessageContaining("secretmanager.googleapis.com");
    assertThatThrownBy(() -> GoogleConfig.custom().emulatorHost("http://localhost:8085"))
        .isInstanceOf(InvalidConfigurationException.class)
        .hasMessageContaining("emulatorHost must be host:port");
  }

  @Test
  void equalOptionsAreOneKeyAndCredentialsCountByIdentity() {
    NoCredentialsProvider credentials = NoCredentialsProvider.create();
    GoogleConfig a =
        GoogleConfig.custom()
            .emulatorHost("localhost:8085")
            .credentialsProvider(credentials)
            .build();
    GoogleConfig b = GoogleConfig.from(a).build();

    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a)
        .isNotEqualTo(
            GoogleConfig.from(a).credentialsProvider(NoCredentialsProvider.create()).build());
    assertThat(GoogleConfig.ofDefaults()).isEqualTo(GoogleConfig.custom().build());
  }
}
