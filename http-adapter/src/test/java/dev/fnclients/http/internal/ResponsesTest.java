package dev.fnclients.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code Retry-After} in both of RFC 9110's forms, read against a fixed clock. */
class ResponsesTest {
  // Sun, 06 Nov 1994 08:49:37 GMT, RFC 9110's own example date.
  private static final long NOW = 784111777000L;

  private static Response response(int code, String... headers) {
    Response.Builder builder =
        new Response.Builder()
            .request(new Request.Builder().url("http://127.0.0.1/").build())
            .protocol(Protocol.HTTP_1_1)
            .code(code)
            .message("x");
    for (int i = 0; i + 1 < headers.length; i += 2) {
      builder.addHeader(headers[i], headers[i + 1]);
    }
    return builder.build();
  }

  @ParameterizedTest(name = "Retry-After: {0} -> {1} s")
  @CsvSource({"0, 0", "1, 1", "120, 120", "' 7 ', 7", "007, 7"})
  void deltaSecondsAreSeconds(String value, long seconds) {
    assertThat(Responses.retryAfterNanos(response(503, "Retry-After", value), NOW))
        .isEqualTo(TimeUnit.SECONDS.toNanos(seconds));
  }

  @Test
  void absurdlyLargeDeltaSecondsMeanForeverNotAnOverflow() {
    assertThat(
            Responses.retryAfterNanos(response(503, "Retry-After", "99999999999999999999999"), NOW))
        .isEqualTo(Long.MAX_VALUE);
  }

  @ParameterizedTest(name = "Retry-After: {0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "Sun, 06 Nov 1994 08:50:07 GMT  | 30", // IMF-fixdate
        "Sunday, 06-Nov-94 08:50:07 GMT | 30", // obsolete RFC 850
        "Sun Nov  6 08:50:07 1994       | 30", // obsolete asctime
        "Sun, 06 Nov 1994 08:49:37 GMT  | 0",
        "Sun, 06 Nov 1994 08:40:00 GMT  | 0", // in the past: no wait
      })
  void httpDateIsMeasuredFromNowWithoutADateHeader(String value, long seconds) {
    assertThat(Responses.retryAfterNanos(response(429, "Retry-After", value), NOW))
        .isEqualTo(TimeUnit.SECONDS.toNanos(seconds));
  }

  @Test
  void httpDateIsMeasuredFromTheServersDateWhenThereIsOneSoClockSkewDoesNotCount() {
    Response response =
        response(
            503,
            "Date",
            "Sun, 06 Nov 1994 09:00:00 GMT",
            "Retry-After",
            "Sun, 06 Nov 1994 09:00:05 GMT");

    assertThat(Responses.retryAfterNanos(response, NOW)).isEqualTo(TimeUnit.SECONDS.toNanos(5));
  }

  @ParameterizedTest(name = "Retry-After: ''{0}''")
  @ValueSource(
      strings = {
        "-1",
        "1.5",
        "+3",
        "soon",
        "",
        "3 s",
        "1e3",
        "Sun, 06 Nov 1994 08:49:37 GMT trailing",
        "Sun, 99 Nov 1994 08:49:37 GMT"
      })
  void malformedOrNegativeRetryAfterIsAbsent(String value) {
    assertThat(Responses.retryAfterNanos(response(503, "Retry-After", value), NOW)).isEqualTo(-1);
  }

  @Test
  void noRetryAfterIsAbsent() {
    assertThat(Responses.retryAfterNanos(response(503), NOW)).isEqualTo(-1);
  }

  @Test
  void
      okHttpsOwnRetryOnServiceUnavailableWithRetryAfterZeroIsTurnedIntoTheSameInstructionAsADate() {
    Response rewritten =
        Responses.withoutOkHttpsOwnRetry(
            response(503, "Date", "Sun, 06 Nov 1994 08:49:37 GMT", "Retry-After", "0"));

    assertThat(rewritten.header("Retry-After")).isEqualTo("Sun, 06 Nov 1994 08:49:37 GMT");
    assertThat(Responses.retryAfterNanos(rewritten, NOW + 60_000)).as("still: retry now").isZero();
  }

  @Test
  void otherResponsesAreLeftAsTheyAre() {
    Response ok = response(200, "Retry-After", "0");
    Response later = response(503, "Retry-After", "3");

    assertThat(Responses.withoutOkHttpsOwnRetry(ok)).isSameAs(ok);
    assertThat(Responses.withoutOkHttpsOwnRetry(later)).isSameAs(later);
  }
}
