package dev.fnclients.pool.internal;

import dev.fnclients.pool.Environment;

/** The process environment and system properties. */
public enum SystemEnvironment implements Environment {
  INSTANCE;

  @Override
  public String getenv(String name) {
    return System.getenv(name);
  }

  @Override
  public String getProperty(String name) {
    return System.getProperty(name);
  }
}
