package dev.fnclients.pool;

import java.time.Duration;

/**
 * The serverless platform this instance runs on, detected from its environment, and the idle window
 * after which that platform (or the middleboxes typical of it) closes a connection.
 *
 * <p>The default maximum idle age is three quarters of the window: the margin covers the gap
 * between the last byte this process saw and the last packet the platform's NAT saw.
 *
 * <table>
 *   <caption>Detection and defaults</caption>
 *   <tr><th>platform</th><th>detected when</th><th>idle window</th><th>default max idle age</th></tr>
 *   <tr><td>{@link #CLOUD_FUNCTIONS_GEN1}</td>
 *       <td>{@code FUNCTION_TARGET} set without {@code K_CONFIGURATION}, or the older runtimes'
 *           {@code FUNCTION_NAME} / {@code FUNCTION_REGION}</td><td>2 min</td><td>90 s</td></tr>
 *   <tr><td>{@link #CLOUD_RUN_FUNCTIONS}</td>
 *       <td>{@code FUNCTION_TARGET} and {@code K_CONFIGURATION} set (2nd gen)</td>
 *       <td>10 min</td><td>450 s</td></tr>
 *   <tr><td>{@link #CLOUD_RUN}</td>
 *       <td>{@code K_SERVICE} set without {@code FUNCTION_TARGET}</td><td>10 min</td><td>450 s</td></tr>
 *   <tr><td>{@link #OTHER}</td><td>none of the above</td>
 *       <td>60 s (common load-balancer idle timeout)</td><td>45 s</td></tr>
 * </table>
 */
public enum Platform {
  /** Cloud Functions 1st gen: idle connections are closed after 2 minutes. */
  CLOUD_FUNCTIONS_GEN1(Duration.ofMinutes(2)),
  /**
   * Cloud Functions 2nd gen, now Cloud Run functions: idle connections are closed after 10 minutes.
   */
  CLOUD_RUN_FUNCTIONS(Duration.ofMinutes(10)),
  /** A Cloud Run service or job that is not a function: 10 minutes, as for Cloud Run functions. */
  CLOUD_RUN(Duration.ofMinutes(10)),
  /** Anywhere else (Lambda-like platforms, containers behind a load balancer, a laptop): 60 s. */
  OTHER(Duration.ofSeconds(60));

  private final Duration idleWindow;

  Platform(Duration idleWindow) {
    this.idleWindow = idleWindow;
  }

  /** How long a connection may stay idle before this platform may kill it. */
  public Duration idleWindow() {
    return idleWindow;
  }

  /** The default maximum idle age: three quarters of {@link #idleWindow()}. */
  public Duration defaultMaxIdleAge() {
    // In milliseconds: Duration's dividedBy goes through BigDecimal, three more classes on a cold
    // start.
    return Duration.ofMillis(idleWindow.toMillis() / 4 * 3);
  }

  /** Detects the platform from {@code env}; see the table on this type. */
  public static Platform detect(Environment env) {
    boolean function = isSet(env, "FUNCTION_TARGET") || isSet(env, "FUNCTION_SIGNATURE_TYPE");
    if (function) {
      // K_CONFIGURATION is set by the Cloud Run based 2nd gen only; the shorter window is the safe
      // guess.
      return isSet(env, "K_CONFIGURATION") ? CLOUD_RUN_FUNCTIONS : CLOUD_FUNCTIONS_GEN1;
    }
    if (isSet(env, "FUNCTION_NAME") || isSet(env, "FUNCTION_REGION")) {
      return CLOUD_FUNCTIONS_GEN1;
    }
    if (isSet(env, "K_SERVICE") || isSet(env, "CLOUD_RUN_JOB")) {
      return CLOUD_RUN;
    }
    return OTHER;
  }

  private static boolean isSet(Environment env, String name) {
    String value = env.getenv(name);
    return value != null && !value.isBlank();
  }
}
