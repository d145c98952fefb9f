package dev.fnclients.http.internal;

import okhttp3.Response;

/** Facts about responses that OkHttp keeps internal. */
final class Responses {
  private Responses() {}

  /** True when the response has no body to read, so its exchange is complete at the headers. */
  static boolean isComplete(Response response) {
    if (response.request().method().equals("HEAD")) {
      return true;
    }
    int code = response.code();
    if ((code >= 100 && code < 200) || code == 204 || code == 304) {
      return response.body().contentLength() <= 0 && response.header("Transfer-Encoding") == null;
    }
    return response.body().contentLength() == 0;
  }

  /** Scheme, host and port: the part of a URL that is safe to put in a message or a metric. */
  static String origin(okhttp3.HttpUrl url) {
    return url.scheme() + "://" + url.host() + ":" + url.port();
  }

  /**
   * The server's {@code Keep-Alive: timeout=N} in nanoseconds, or -1 when absent or malformed.
   */
  static long keepAliveTimeoutNanos(Response response) {
    String header = response.header("Keep-Alive");
    if (header == null) {
      return -1;
    }
    for (String part : header.split(",")) {
      String p = part.trim();
      if (p.regionMatches(true, 0, "timeout=", 0, 8)) {
        try {
          long seconds = Long.parseLong(p.substring(8).trim());
          return seconds < 0 ? -1 : seconds * 1_000_000_000L;
        } catch (NumberFormatException e) {
          return -1;
        }
      }
    }
    return -1;
  }
}
