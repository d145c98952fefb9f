package dev.fnclients.google.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.api.gax.core.ExecutorAsBackgroundResource;
import com.google.cloud.secretmanager.v1.SecretManagerServiceClient;
import com.google.cloud.secretmanager.v1.SecretManagerServiceSettings;
import com.google.cloud.secretmanager.v1beta2.SecretManagerServiceSettings.Builder;
import org.junit.jupiter.api.Test;

class GapicFactoryTest {

  @Test
  void aGapicClientIsFoundWithItsSettingsClassAndDefaults() {
    GapicFactory<SecretManagerServiceClient> factory =
        GapicFactory.of(SecretManagerServiceClient.class);

    assertThat(factory.settingsClass()).isEqualTo(SecretManagerServiceSettings.class);
    assertThat(factory.defaultSettings()).isInstanceOf(SecretManagerServiceSettings.Builder.class);
  }

  @Test
  void aClassThatIsNoGapicClientIsRejectedPointingToTheSharedSlot() {
    assertThatThrownBy(() -> GapicFactory.of(ExecutorAsBackgroundResource.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a GAPIC client")
        .hasMessageContaining("FnClients.shared");
  }

  @Test
  void settingsOfAnotherClientAreRejectedNamingBoth() throws Exception {
    Builder otherVersion =
        com.google.cloud.secretmanager.v1beta2.SecretManagerServiceSettings.newBuilder();

    assertThatThrownBy(
            () -> GapicFactory.of(SecretManagerServiceClient.class).create(otherVersion.build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("v1.SecretManagerServiceSettings")
        .hasMessageContaining("v1beta2.SecretManagerServiceSettings");
  }
}
