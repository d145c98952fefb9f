package dev.fnclients;

import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.testkit.IdleKillingProxy;
import dev.fnclients.testkit.emulators.GoogleEmulator;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;

/**
 * A test class against one Google emulator, started once for the class: each test reaches it
 * through a proxy that counts the connections, with a fresh FnClients instance shut down after it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class OnGoogleEmulator {
  /** For counting the threads started during a run. */
  static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  GoogleEmulator emulator;
  IdleKillingProxy counter;
  FnClientsInstance runtime;

  /** Starts the emulator (and creates what the tests need on it). */
  abstract GoogleEmulator startEmulator() throws Exception;

  @BeforeAll
  void startEmulatorOnce() throws Exception {
    emulator = startEmulator();
  }

  @AfterAll
  void stopEmulator() {
    emulator.close();
  }

  @BeforeEach
  void startInstance() throws Exception {
    counter = IdleKillingProxy.start(emulator.address());
    runtime = FnClientsInstance.create(FnClientsConfig.custom().build());
  }

  @AfterEach
  void stopInstance() {
    runtime.shutdown();
    counter.close();
  }

  /** The emulator's address through the counting proxy, {@code host:port}. */
  String viaCounter() {
    return counter.host() + ":" + counter.port();
  }
}
