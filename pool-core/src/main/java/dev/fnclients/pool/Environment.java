package dev.fnclients.pool;

import dev.fnclients.pool.internal.SystemEnvironment;
import java.util.Map;

/**
 * Where configuration and platform facts are read from: environment variables and system
 * properties. Injected so that configuration and platform detection can be tested table-driven,
 * without touching the real process environment.
 */
public interface Environment {

  /** Returns the environment variable {@code name}, or {@code null} when unset. */
  String getenv(String name);

  /** Returns the system property {@code name}, or {@code null} when unset. */
  String getProperty(String name);

  /** Returns the real process environment and system properties, read on each call. */
  static Environment system() {
    return SystemEnvironment.INSTANCE;
  }

  /** Returns a fixed environment, for tests and for embedding. */
  static Environment of(Map<String, String> env, Map<String, String> properties) {
    Map<String, String> e = Map.copyOf(env);
    Map<String, String> p = Map.copyOf(properties);
    return new Environment() {
      @Override
      public String getenv(String name) {
        return e.get(name);
      }

      @Override
      public String getProperty(String name) {
        return p.get(name);
      }
    };
  }
}
