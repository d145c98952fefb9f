package dev.fnclients.pool;

/**
 * A setting was given a value outside its accepted range, or text that does not parse. The message
 * names the setting (and the environment variable or system property it came from) and the accepted
 * range.
 */
public class InvalidConfigurationException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;
  private final String setting;

  public InvalidConfigurationException(String setting, String message) {
    super(message);
    this.setting = setting;
  }

  /** The camelCase name of the offending setting, e.g. {@code maxIdleAge}. */
  public String setting() {
    return setting;
  }
}
