package dev.fnclients.testkit.emulators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the launcher finds an emulator, and what it says when it cannot. */
class GoogleEmulatorTest {
  @Test
  void withoutTheCloudCliTheFailureSaysWhatToInstall() {
    assertThatThrownBy(
            () ->
                GoogleEmulator.locate(
                    GoogleEmulator.PUBSUB,
                    List.of(),
                    "/nonexistent/bin",
                    List.of("/nonexistent/google-cloud-sdk")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("The Google Cloud CLI is not installed")
        .hasMessageContaining("gcloud components install pubsub-emulator")
        .hasMessageContaining("google-cloud-cli-pubsub-emulator")
        .hasMessageContaining(
            "/nonexistent/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator");
  }

  @Test
  void withTheCloudCliButNotTheEmulatorTheFailureNamesTheComponent(@TempDir Path sdk)
      throws Exception {
    Path gcloud = executable(sdk.resolve("bin/gcloud"));

    assertThatThrownBy(
            () ->
                GoogleEmulator.locate(
                    GoogleEmulator.SPANNER, List.of(), sdk.resolve("bin").toString(), List.of()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(
            "is installed (" + gcloud + ") but not its cloud-spanner-emulator component")
        .hasMessageContaining("gcloud components install cloud-spanner-emulator")
        .hasMessageContaining("google-cloud-cli-spanner-emulator");
  }

  @Test
  void theCloudCliOnThePathLeadsToItsEmulator(@TempDir Path sdk) throws Exception {
    executable(sdk.resolve("bin/gcloud"));
    Path script = executable(sdk.resolve(GoogleEmulator.PUBSUB));

    assertThat(
            GoogleEmulator.locate(
                GoogleEmulator.PUBSUB,
                List.of(),
                "/nonexistent/bin:" + sdk.resolve("bin"),
                List.of()))
        .isEqualTo(script.toRealPath());
  }

  @Test
  void aGivenSdkRootLeadsToItsEmulator(@TempDir Path sdk) throws Exception {
    Path script = executable(sdk.resolve(GoogleEmulator.FIRESTORE));

    assertThat(
            GoogleEmulator.locate(
                GoogleEmulator.FIRESTORE, List.of(), null, List.of("/nonexistent", sdk.toString())))
        .isEqualTo(script);
  }

  @Test
  void aGivenSdkRootWinsOverTheCloudCliOnThePath(@TempDir Path given, @TempDir Path onPath)
      throws Exception {
    Path script = executable(given.resolve(GoogleEmulator.PUBSUB));
    executable(onPath.resolve("bin/gcloud"));
    executable(onPath.resolve(GoogleEmulator.PUBSUB));

    assertThat(
            GoogleEmulator.locate(
                GoogleEmulator.PUBSUB,
                List.of(given.toString()),
                onPath.resolve("bin").toString(),
                List.of()))
        .isEqualTo(script);
  }

  private static Path executable(Path p) throws Exception {
    Files.createDirectories(p.getParent());
    Files.writeString(p, "#!/bin/sh\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    return p;
  }
}
