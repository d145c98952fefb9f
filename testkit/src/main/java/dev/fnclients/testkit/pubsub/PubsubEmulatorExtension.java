package dev.fnclients.testkit.pubsub;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link PubsubEmulator} per test class, for {@code @RegisterExtension} on a static field; its
 * tests share it (give each its own topic and subscription).
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
    }
  }

  /** The running emulator; null outside the class's tests. */
  public PubsubEmulator emulator() {
    return emulator;
  }
}
