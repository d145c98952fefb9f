package dev.fnclients.testkit.pubsub;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real {@link PubsubEmulator} per test class, registered with {@code @RegisterExtension} on a
 * static field; tests use {@link #emulator()} and share its state (give each its own topic and
 * subscription). Where the emulator is not installed, every test fails saying what to install: not
 * skipped, so a missing emulator cannot pass unnoticed.
 */
public final class PubsubEmulatorExtension implements BeforeAllCallback, AfterAllCallback {
  private volatile PubsubEmulator emulator;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    emulator = PubsubEmulator.start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (emulator != null) { // null when it failed to start
      emulator.close();
      emulator = null;
    }
  }

  /** The running emulator; IllegalStateException outside the class's tests. */
  public PubsubEmulator emulator() {
    if (emulator == null) {
      throw new IllegalStateException(
          "no emulator running: register PubsubEmulatorExtension with @RegisterExtension on a"
              + " static field");
    }
    return emulator;
  }
}
