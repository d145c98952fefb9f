package dev.fnclients.http.internal;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import okhttp3.Response;

/** Facts about responses that OkHttp keeps internal. */
final class Responses {
  private Responses() {}

  /**
   * The three forms of HTTP-date a recipient must accept (RFC 9110 §5.6.7), parsed strictly, unlike
   * OkHttp's {@code Headers.getDate}, which also takes any browser-era variant and ignores trailing
   * junk: a malformed {@code Retry-After} must count as absent. In a holder class, built when a
   * date is first parsed: a function whose responses carry no {@code Retry-After} never loads the
   * formatters and the time-zone data behind them.
   */
  private static final class HttpDates {
    static final List<DateTimeFormatter> FORMATS =
        List.of(
            DateTimeFormatter.RFC_1123_DATE_TIME, // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
            new DateTimeFormatterBuilder() // obsolete RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
                .appendPattern("EEEE, dd-MMM-")
                // A two-digit year more than 50 years ahead is the latest such year in the past.
                .appendValueReduced(
                    ChronoField.YEAR, 2, 2, LocalDate.now(ZoneOffset.UTC).minusYears(49))
                .appendPattern(" HH:mm:ss 'GMT'")
                .toFormatter(Locale.US)
                .withZone(ZoneOffset.UTC),
            DateTimeFormatter.ofPattern(
                    "EEE MMM ppd HH:mm:ss yyyy",
                    Locale.US) // obsolete asctime: Sun Nov  6 08:49:37 1994
                .withZone(ZoneOffset.UTC));
  }

  /**
   * How long the server asks to wait before a retry, from {@code Retry-After} (RFC 9110 §10.2.3) in
   * either form: delta-seconds, or an HTTP-date (measured from the response's {@code Date} when
   * there is one, so that clock skew does not count; otherwise from {@code nowMillis}). Returns -1
   * when the header is absent or malformed, a negative number of seconds included; a date in the
   * past means no wait.
   */
  static long retryAfterNanos(Response response, long nowMillis) {
    String value = response.header("Retry-After");
    if (value == null) {
      return -1;
    }
    String v = value.trim();
    if (allDigits(v, '0', '9')) {
      return v.length() > 12
          ? Long.MAX_VALUE
          : TimeUnit.SECONDS.toNanos(Long.parseLong(v)); // 10^12 s: forever
    }
    long at = httpDateMillis(v);
    if (at == Long.MIN_VALUE) {
      return -1;
    }
    String date = response.header("Date");
    long serverNow = date == null ? Long.MIN_VALUE : httpDateMillis(date.trim());
    long millis = at - (serverNow != Long.MIN_VALUE ? serverNow : nowMillis);
    return millis <= 0 ? 0 : TimeUnit.MILLISECONDS.toNanos(millis);
  }

  /**
   * True when {@code s} is not empty and every character is between {@code low} and {@code high}:
   * ASCII digits only, as the grammar says. A loop, not a regex: compiling one costs a cold start.
   */
  private static boolean allDigits(String s, char low, char high) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < low || c > high) {
        return false;
      }
    }
    return true;
  }

  /**
   * {@code text} as an HTTP-date in epoch milliseconds, or {@link Long#MIN_VALUE} when it is none.
   */
  private static long httpDateMillis(String text) {
    for (DateTimeFormatter format : HttpDates.FORMATS) {
      try {
        return ZonedDateTime.parse(text, format).toInstant().toEpochMilli();
      } catch (DateTimeParseException e) {
        // try the next form
      }
    }
    return Long.MIN_VALUE;
  }

  /**
   * OkHttp itself repeats any request, POST included, once when a 503 says {@code Retry-After: 0}
   * (square/okhttp#3753), below every application interceptor and with no regard for whether it is
   * safe. The same instruction as an HTTP-date (the response's own {@code Date}, i.e. "now") means
   * the same to the caller and to FnClients' status retries, and OkHttp leaves it alone: so only
   * FnClients' rules decide what is repeated.
   */
  static Response withoutOkHttpsOwnRetry(Response response) {
    if (response.code() != 503) {
      return response;
    }
    String value = response.header("Retry-After");
    if (value == null || !allDigits(value.trim(), '0', '0')) {
      return response;
    }
    String now = response.header("Date");
    if (now == null || httpDateMillis(now.trim()) == Long.MIN_VALUE) {
      now = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC));
    }
    return response.newBuilder().header("Retry-After", now).build();
  }

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

  /** The server's {@code Keep-Alive: timeout=N} in nanoseconds, or -1 when absent or malformed. */
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
