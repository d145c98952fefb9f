package dev.fnclients.http;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.fnclients.http.RawHttpServer.After;
import dev.fnclients.http.spi.FnHttp;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.spi.TransportStats;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Responses the server asks to be retried (408, 429, 502, 503, 504), with and without {@code
 * Retry-After}: retried for requests safe to repeat, within the attempts, the budget and the call's
 * deadline; never for a POST without an idempotency key. WireMock's request log, or the raw
 * server's, is the proof of what reached the server.
 */
class StatusRetryTest {
  private static final String PATH = "/busy";

  private final TransportStats stats = new TransportStats("http");
  private WireMockServer server;
  private OkHttpClient client;
  private RawHttpServer raw;

  @BeforeEach
  void setUp() {
    server = new WireMockServer(wireMockConfig().dynamicPort());
    server.start();
    client = FnHttp.newClient(config().build(), stats);
  }

  @AfterEach
  void tearDown() throws Exception {
    FnHttp.close(client, Duration.ofSeconds(1));
    server.stop();
    if (raw != null) {
      raw.close();
    }
  }

  private static FnClientsConfig.Builder config() {
    return SafeRetryTest.config();
  }

  @Test
  void serviceUnavailableWithRetryAfterOneSecondIsRetriedNoSoonerAndSucceeds() throws IOException {
    failOnceThenSucceed(aResponse().withStatus(503).withHeader("Retry-After", "1"));

    try (Response response = get()) {
      assertThat(response.code()).isEqualTo(200);
      assertThat(response.body().string()).isEqualTo("ok");
    }

    List<LoggedRequest> receipts = receipts();
    assertThat(receipts).hasSize(2);
    assertThat(
            receipts.get(1).getLoggedDate().getTime() - receipts.get(0).getLoggedDate().getTime())
        .as("ms between the 503 and the retry")
        .isGreaterThanOrEqualTo(1000);
    assertThat(stats.count(MetricNames.STATUS_RETRIES)).isEqualTo(1);
    assertThat(stats.count(MetricNames.RETRIES)).as("connection retries").isZero();
  }

  @Test
  void retryAfterAsAnHttpDateIsMeasuredFromTheServersDate() throws Exception {
    DateTimeFormatter http = DateTimeFormatter.RFC_1123_DATE_TIME;
    raw =
        RawHttpServer.start(
            (request, socket, out) -> {
              if (raw.received().size() == 1) {
                ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC).withNano(0);
                RawHttpServer.respond(
                    out,
                    429,
                    "slow down",
                    "Date",
                    http.format(now),
                    "Retry-After",
                    http.format(now.plusSeconds(1)));
              } else {
                RawHttpServer.respond(out, 200, "ok");
              }
              return After.KEEP_OPEN;
            });

    try (Response response =
        client.newCall(new Request.Builder().url(raw.url(PATH)).build()).execute()) {
      assertThat(response.code()).isEqualTo(200);
    }

    List<RawHttpServer.Received> receipts = raw.received();
    assertThat(receipts).hasSize(2);
    assertThat(
            TimeUnit.NANOSECONDS.toMillis(receipts.get(1).nanoTime() - receipts.get(0).nanoTime()))
        .isGreaterThanOrEqualTo(1000);
    assertThat(stats.count(MetricNames.STATUS_RETRIES)).isEqualTo(1);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(ints = {408, 429, 502, 503, 504})
  void defaultStatusesAreRetriedForAGet(int status) throws IOException {
    failOnceThenSucceed(aResponse().withStatus(status));

    try (Response response = get()) {
      assertThat(response.code()).isEqualTo(200);
    }
    assertThat(receipts()).hasSize(2);
    assertThat(stats.count(MetricNames.STATUS_RETRIES)).isEqualTo(1);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(ints = {400, 404, 409, 500, 501, 505})
  void otherStatusesAreNeverRetried(int status) throws IOException {
    failOnceThenSucceed(aResponse().withStatus(status).withHeader("Retry-After", "0"));

    try (Response response = get()) {
      assertThat(response.code()).isEqualTo(status);
    }
    assertThat(receipts()).hasSize(1);
    assertThat(stats.count(MetricNames.STATUS_RETRIES)).isZero();
  }

  @Test
  void postWithoutIdempotencyKeyIsNeverRetriedOnAStatusNotEvenARetryAfterZero() throws IOException {
    // OkHttp itself would send this POST again: it repeats any request once after 503 +
    // Retry-After: 0.
    failOnceThenSucceed(
        aResponse().withStatus(503).withHeader("Retry-After", "0").withBody("busy"));

    try (Response response = client.newCall(post(null)).execute()) {
      assertThat(response.code()).isEqualTo(503);
      assertThat(response.header("Retry-After"))
          .as("still tells the caller to retry now")
          .isNotNull();
      assertThat(response.body().string()).isEqualTo("busy");
    }
    assertThat(receipts()).as("the POST reached the server once").hasSize(1);
    assertThat(stats.count(MetricNames.STATUS_RETRIES)).isZero();
  }

  @Test
  void postWithIdempotencyKeyIsRetriedWithTheSameKey() throws IOException {
    failOnceThenSucceed(aResponse().withStatus(429).withHeader("Retry-After", "0"));

    try (Response response = client.newCall(post("order-7")).execute()) {
      assertThat(response.code()).isEqualTo(200);
    }
    assertThat(receipts())
        .hasSize(2)
        .allSatisfy(r -> assertThat(r.getHeader("Idempotency-Key")).isEqualTo("order-7"));
  }

  @Test
  void retryAfterLongerThanTheCallHasLeftIsNotSleptTheResponseComesAtOnce() throws IOException {
    OkHttpClient impatient = client.newBuilder().callTimeout(Duration.ofSeconds(3)).build();
    failOnceThenSucceed(aResponse().withStatus(503).withHeader("Retry-After", "30"));

    long start = System.nanoTime();
    try (Response response =
        impatient.newCall(new Request.Builder().url(server.url(PATH)).build()).execute()) {
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(response.code()).isEqualTo(503);
      assertThat(response.header("Retry-After")).isEqualTo("30");
      assertThat(millis).as("not the 3 s call timeout, let alone 30 s").isLessThan(1500);
    }
    assertThat(receipts()).hasSize(1);
    assertThat(stats.count(MetricNames.RETRIES_REFUSED_WAIT)).isEqualTo(1);
  }

  @Test
  void retryAfterLongerThanRetryAfterMaxIsNotSleptEither() throws Exception {
    OkHttpClient bounded =
        FnHttp.newClient(config().retryAfterMax(Duration.ofSeconds(1)).build(), stats);
    try {
      failOnceThenSucceed(aResponse().withStatus(429).withHeader("Retry-After", "5"));

      long start = System.nanoTime();
      try (Response response =
          bounded.newCall(new Request.Builder().url(server.url(PATH)).build()).execute()) {
        assertThat(response.code()).isEqualTo(429);
        assertThat(response.header("Retry-After")).isEqualTo("5");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1500);
      }
      assertThat(receipts()).hasSize(1);
      assertThat(stats.count(MetricNames.RETRIES_REFUSED_WAIT)).isEqualTo(1);
    } finally {
      FnHttp.close(bounded, Duration.ofSeconds(1));
    }
  }

  @ParameterizedTest(name = "Retry-After: {0}")
  @ValueSource(
      strings = {"soon", "-5", "1.5", "+1", "Wed, 99 Foo 2015 07:28:00 GMT", "1e3", "\u0661"})
  void malformedOrNegativeRetryAfterCountsAsAbsentAndTheBackoffApplies(String value)
      throws IOException {
    failOnceThenSucceed(aResponse().withStatus(503).withHeader("Retry-After", value));

    try (Response response = get()) {
      assertThat(response.code()).isEqualTo(200);
    }
    assertThat(receipts()).hasSize(2);
    assertThat(stats.count(MetricNames.RETRIES_REFUSED_WAIT)).isZero();
  }

  @Test
  void afterTheLastAttemptTheCallerGetsTheLastResponseAndEveryRetriedOneWasClosed()
      throws IOException {
    server.stubFor(
        any(urlEqualTo(PATH))
            .willReturn(aResponse().withStatus(502).withBody("bad gateway, attempt's body")));

    try (Response response = get()) {
      assertThat(response.code()).isEqualTo(502);
      assertThat(response.body().string()).isEqualTo("bad gateway, attempt's body");
    }
    assertThat(receipts()).hasSize(3);
    assertThat(stats.count(MetricNames.STATUS_RETRIES)).isEqualTo(2);
    // Each retried response was closed, which gave its connection back for the next attempt.
    assertThat(stats.count(MetricNames.CONNECTIONS_OPENED)).isEqualTo(1);
    assertThat(stats.count(MetricNames.CONNECTIONS_REUSED)).isEqualTo(2);
  }

  @Test
  void statusRetriesCanBeSwitchedOff() throws Exception {
    OkHttpClient noStatusRetries =
        FnHttp.newClient(config().retryStatuses(Set.of()).build(), stats);
    try {
      failOnceThenSucceed(aResponse().withStatus(503).withHeader("Retry-After", "0"));

      try (Response response =
          noStatusRetries.newCall(new Request.Builder().url(server.url(PATH)).build()).execute()) {
        assertThat(response.code()).isEqualTo(503);
      }
      assertThat(receipts()).as("neither FnClients nor OkHttp repeated it").hasSize(1);
    } finally {
      FnHttp.close(noStatusRetries, Duration.ofSeconds(1));
    }
  }

  @Test
  void hundredPercentServiceUnavailableKeepsAttemptsWithinTheRetryBudget() throws Exception {
    OkHttpClient budgeted = FnHttp.newClient(config().retryBudgetTokens(10).build(), stats);
    try {
      server.stubFor(any(urlEqualTo(PATH)).willReturn(aResponse().withStatus(503)));
      int calls = 200;
      for (int i = 0; i < calls; i++) {
        try (Response response =
            budgeted.newCall(new Request.Builder().url(server.url(PATH)).build()).execute()) {
          assertThat(response.code()).isEqualTo(503);
        }
      }

      assertThat(receipts())
          .as("attempts for %d calls", calls)
          .hasSizeLessThanOrEqualTo(calls * 12 / 10);
      assertThat(stats.count(MetricNames.STATUS_RETRIES))
          .as("retries while the budget lasted")
          .isPositive();
      assertThat(stats.count(MetricNames.RETRIES_REFUSED_BUDGET)).isPositive();
    } finally {
      FnHttp.close(budgeted, Duration.ofSeconds(1));
    }
  }

  @Test
  void statusAndConnectionRetriesShareOneBudget() throws Exception {
    OkHttpClient budgeted = FnHttp.newClient(config().retryBudgetTokens(10).build(), stats);
    try {
      server.stubFor(any(urlEqualTo(PATH)).willReturn(aResponse().withStatus(503)));
      for (int i = 0; i < 5; i++) {
        budgeted.newCall(new Request.Builder().url(server.url(PATH)).build()).execute().close();
      }
      server.resetAll();
      server.stubFor(
          any(urlEqualTo(PATH)).willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));

      assertThatThrownBy(
              () -> budgeted.newCall(new Request.Builder().url(server.url(PATH)).build()).execute())
          .isInstanceOf(IOException.class);
      assertThat(receipts()).as("the 503s spent the budget: the reset is not retried").hasSize(1);
      assertThat(stats.count(MetricNames.RETRIES)).isZero();
    } finally {
      FnHttp.close(budgeted, Duration.ofSeconds(1));
    }
  }

  @Test
  void connectionFailureBackoffLongerThanTheCallHasLeftIsNotSlept() throws Exception {
    OkHttpClient slowBackoff =
        FnHttp.newClient(
            config()
                .retryInitialBackoff(Duration.ofSeconds(10))
                .retryMaxBackoff(Duration.ofSeconds(10))
                .callTimeout(Duration.ofSeconds(3))
                .build(),
            stats);
    try {
      server.stubFor(
          any(urlEqualTo(PATH)).willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));

      long start = System.nanoTime();
      assertThatThrownBy(
              () ->
                  slowBackoff
                      .newCall(new Request.Builder().url(server.url(PATH)).build())
                      .execute())
          .as("the reset itself, not a call timeout after a backoff that could not end in time")
          .isInstanceOf(IOException.class)
          .isNotInstanceOf(InterruptedIOException.class);
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1500);
      assertThat(receipts()).hasSize(1);
      assertThat(stats.count(MetricNames.RETRIES_REFUSED_WAIT)).isEqualTo(1);
    } finally {
      FnHttp.close(slowBackoff, Duration.ofSeconds(1));
    }
  }

  // ---- helpers ----

  private void failOnceThenSucceed(ResponseDefinitionBuilder failure) {
    server.stubFor(
        any(urlEqualTo(PATH))
            .inScenario("busy")
            .whenScenarioStateIs(STARTED)
            .willReturn(failure)
            .willSetStateTo("ready"));
    server.stubFor(
        any(urlEqualTo(PATH))
            .inScenario("busy")
            .whenScenarioStateIs("ready")
            .willReturn(aResponse().withStatus(200).withBody("ok")));
  }

  private Response get() throws IOException {
    return client.newCall(new Request.Builder().url(server.url(PATH)).build()).execute();
  }

  private Request post(String idempotencyKey) {
    Request.Builder builder =
        new Request.Builder()
            .url(server.url(PATH))
            .post(RequestBody.create("{\"order\":7}", MediaType.get("application/json")));
    if (idempotencyKey != null) {
      builder.header("Idempotency-Key", idempotencyKey);
    }
    return builder.build();
  }

  private List<LoggedRequest> receipts() {
    return server.findAll(anyRequestedFor(urlEqualTo(PATH)));
  }
}
