package dev.fnclients.testkit.pubsub;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One real {@link PubsubEmulator} per test class: started before the class's first test, killed
 * after its last. Register it on a static field,
 * {@code @RegisterExtension static final PubsubEmulatorExtension PUBSUB = new PubsubEmulatorExtension();},
 * then use {@link #emulator()} or take a {@link PubsubEmulator} parameter. Tests share the
 * emulator's state, so give each its own topic and subscription.
 *
 * <p>Where the Google Cloud CLI's Pub/Sub emulator is not installed, every test of the class fails
 * with an {@link dev.fnclients.testkit.emulators.GoogleEmulator.EmulatorNotFoundException} that says what to install; the class is
 * not skipped, so a missing emulator cannot pass unnoticed.
 *
 * <p>Needs {@code junit-jupiter-api} (a test dependency anyway) besides what {@link PubsubEmulator}
 * needs.
 */
public final class PubsubEmulatorExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {
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
   * The running emulator.
   *
   * @throws IllegalStateException outside the class's tests, e.g. when registered on an instance field
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
