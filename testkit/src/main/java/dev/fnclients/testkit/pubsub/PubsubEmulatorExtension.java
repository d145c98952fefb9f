package dev.fnclients.testkit.pubsub;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One real {@link PubsubEmulator} per test class, registered with {@code @RegisterExtension} on a
 * static field; tests use {@link #emulator()} or take a {@link PubsubEmulator} parameter, and share
 * its state (give each its own topic and subscription). Where the emulator is not installed, every
 * test fails saying what to install: not skipped, so a missing emulator cannot pass unnoticed.
 */
public final class PubsubEmulatorExtension
    implements BeforeAllCallback, AfterAllCallback, ParameterResolver {
  private volatile PubsubEmulator emulator;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    if (emulator == null) {
      emulator = PubsubEmulator.start();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    PubsubEmulator e = emulator;
    emulator = null;
    if (e != null) {
      e.close();
    }
  }

  /**
   * The running emulator; IllegalStateException outside the class's tests (registered on an
   * instance field, say).
   */
  public PubsubEmulator emulator() {
    PubsubEmulator e = emulator;
    if (e == null) {
      throw new IllegalStateException(
          "no emulator running: register PubsubEmulatorExtension with @RegisterExtension on a static field");
    }
    return e;
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == PubsubEmulator.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return emulator();
  }
}
