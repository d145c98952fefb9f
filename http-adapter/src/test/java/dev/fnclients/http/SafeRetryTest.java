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
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.fnclients.http.spi.FnHttp;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.pool.Platform;
import dev.fnclients.spi.TransportStats;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ProtocolException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import javax.net.ssl.SSLHandshakeException;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Which failures are retried, per method class, against WireMock's connection faults. The server's
 * own request log proves what reached it: a request that may have been processed is never sent
 * twice unless it is idempotent or carries an Idempotency-Key.
 */
class SafeRetryTest {
  private static final List<Fault> CONNECTION_FAULTS =
      List.of(Fault.CONNECTION_RESET_BY_PEER, Fault.EMPTY_RESPONSE);

  private final TransportStats stats = new TransportStats("http");
  private WireMockServer server;
  private OkHttpClient client;

  @BeforeEach
  void setUp() {
    server = new WireMockServer(wireMockConfig().dynamicPort().dynamicHttpsPort());
    server.start();
    client = FnHttp.newClient(config().build(), stats);
  }

  /**
   * Fast retries (1 to 5 ms backoff) with a budget too big to interfere; shared by the status retry
   * tests.
   */
  static FnClientsConfig.Builder config() {
    return FnClientsConfig.custom()
        .platform(Platform.OTHER)
        .retryMaxAttempts(3)
        .retryInitialBackoff(Duration.ofMillis(1))
        .retryMaxBackoff(Duration.ofMillis(5))
        .retryBudgetTokens(100)
        .readTimeout(Duration.ofSeconds(5));
  }

  @AfterEach
  void tearDown() throws Exception {
    FnHttp.close(client, Duration.ofSeconds(1));
    server.stop();
  }

  static Stream<Arguments> idempotentMethodsAndFaults() {
    return Stream.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE")
        .flatMap(method -> CONNECTION_FAULTS.stream().map(fault -> Arguments.of(method, fault)));
  }

  @ParameterizedTest(name = "{0} after {1}")
  @MethodSource("idempotentMethodsAndFaults")
  void idempotentRequestIsRetriedAfterAConnectionFault(String method, Fault fault)
      throws IOException {
    failOnceThenSucceed(fault);

    try (Response response = client.newCall(request(method, null)).execute()) {
      assertThat(response.code()).isEqualTo(200);
    }
    assertThat(receipts()).as("first attempt plus one retry reached the server").hasSize(2);
    assertThat(stats.count(MetricNames.RETRIES)).isEqualTo(1);
  }

  @ParameterizedTest(name = "POST after {0}")
  @MethodSource("connectionFaults")
  void postThatMayHaveBeenProcessedIsNeverReplayed(Fault fault) {
    failOnceThenSucceed(fault);

    assertThatThrownBy(() -> client.newCall(request("POST", null)).execute())
        .isInstanceOf(RequestNotRetriedException.class)
        .hasMessageContaining("POST")
        .hasMessageContaining("Idempotency-Key")
        .satisfies(
            e -> assertThat(((RequestNotRetriedException) e).origin()).doesNotContain("/flaky"));
    assertThat(receipts()).as("the POST reached the server exactly once").hasSize(1);
    assertThat(stats.count(MetricNames.RETRIES)).isZero();
    assertThat(stats.count(MetricNames.RETRIES_REFUSED_UNSAFE)).isEqualTo(1);
  }

  @ParameterizedTest(name = "PATCH after {0}")
  @MethodSource("connectionFaults")
  void patchIsNotIdempotentEither(Fault fault) {
    failOnceThenSucceed(fault);

    assertThatThrownBy(() -> client.newCall(request("PATCH", null)).execute())
        .isInstanceOf(RequestNotRetriedException.class);
    assertThat(receipts()).hasSize(1);
  }

  @ParameterizedTest(name = "POST with Idempotency-Key after {0}")
  @MethodSource("connectionFaults")
  void postWithIdempotencyKeyIsRetriedWithTheSameKey(Fault fault) throws IOException {
    failOnceThenSucceed(fault);

    try (Response response = client.newCall(request("POST", "order-42")).execute()) {
      assertThat(response.code()).isEqualTo(200);
    }
    assertThat(receipts())
        .hasSize(2)
        .allSatisfy(r -> assertThat(r.getHeader("Idempotency-Key")).isEqualTo("order-42"));
  }

  @Test
  void callMadeInsideAnotherCallsChainDoesNotHideThatThePostWasSent() {
    failOnceThenSucceed(Fault.CONNECTION_RESET_BY_PEER);
    server.stubFor(
        any(urlEqualTo("/side")).willReturn(aResponse().withStatus(200).withBody("side")));
    // An application interceptor that makes its own call with the same client before proceeding.
    OkHttpClient nesting =
        client
            .newBuilder()
            .addInterceptor(
                chain -> {
                  try (Response side =
                      client
                          .newCall(
                              new Request.Builder()
                                  .url("http://127.0.0.1:" + server.port() + "/side")
                                  .build())
                          .execute()) {
                    side.body().string();
                  }
                  return chain.proceed(chain.request());
                })
            .build();

    assertThatThrownBy(() -> nesting.newCall(request("POST", null)).execute())
        .isInstanceOf(RequestNotRetriedException.class);
    assertThat(receipts()).as("the POST reached the server once").hasSize(1);
  }

  @Test
  void oneShotBodyIsNotReplayedEvenForPut() {
    failOnceThenSucceed(Fault.CONNECTION_RESET_BY_PEER);
    RequestBody streamed =
        new RequestBody() {
          @Override
          public MediaType contentType() {
            return MediaType.get("application/octet-stream");
          }

          @Override
          public void writeTo(okio.BufferedSink sink) throws IOException {
            sink.writeUtf8("streamed once");
          }

          @Override
          public boolean isOneShot() {
            return true;
          }
        };
    Request put =
        new Request.Builder()
            .url("http://127.0.0.1:" + server.port() + "/flaky")
            .put(streamed)
            .build();

    assertThatThrownBy(() -> client.newCall(put).execute()).isInstanceOf(IOException.class);
    assertThat(receipts()).hasSize(1);
    assertThat(stats.count(MetricNames.RETRIES)).isZero();
  }

  @Test
  void getGivesUpAfterMaxAttemptsWhenTheFaultPersists() {
    server.stubFor(
        any(urlEqualTo("/flaky"))
            .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));

    assertThatThrownBy(() -> client.newCall(request("GET", null)).execute())
        .isInstanceOf(IOException.class);
    assertThat(receipts()).hasSize(3);
    assertThat(stats.count(MetricNames.RETRIES)).isEqualTo(2);
  }

  @Test
  void randomDataNeverDuplicatesAPost() {
    server.stubFor(
        any(urlEqualTo("/flaky")).willReturn(aResponse().withFault(Fault.RANDOM_DATA_THEN_CLOSE)));

    // Garbage with a line end is a ProtocolException (final); without one OkHttp reports a
    // truncated response. Either way the POST must reach the server once and only once.
    assertThatThrownBy(() -> client.newCall(request("POST", null)).execute())
        .isInstanceOfAny(ProtocolException.class, RequestNotRetriedException.class);
    assertThat(receipts()).hasSize(1);
    assertThat(stats.count(MetricNames.RETRIES)).isZero();
  }

  @Test
  void randomDataIsRetriedForGetOnlyWhenItLooksTruncatedAndWithinMaxAttempts() {
    server.stubFor(
        any(urlEqualTo("/flaky")).willReturn(aResponse().withFault(Fault.RANDOM_DATA_THEN_CLOSE)));

    assertThatThrownBy(() -> client.newCall(request("GET", null)).execute())
        .isInstanceOf(IOException.class)
        .isNotInstanceOf(RequestNotRetriedException.class);
    assertThat(receipts()).hasSizeBetween(1, 3);
    assertThat(stats.count(MetricNames.RETRIES)).isEqualTo(receipts().size() - 1);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("methods")
  void malformedChunkFailsTheBodyAndIsNotRetried(String method) throws IOException {
    server.stubFor(
        any(urlEqualTo("/flaky"))
            .willReturn(aResponse().withFault(Fault.MALFORMED_RESPONSE_CHUNK)));

    try (Response response = client.newCall(request(method, null)).execute()) {
      assertThatThrownBy(() -> response.body().string()).isInstanceOf(IOException.class);
    } catch (ProtocolException e) {
      // Some garbage is already unreadable at the headers: equally a protocol error.
    }
    assertThat(receipts()).hasSize(1);
    assertThat(stats.count(MetricNames.RETRIES)).isZero();
  }

  @Test
  void refusedConnectionIsRetriedForAnyMethodBecauseNothingWasSent() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    Request post =
        new Request.Builder()
            .url("http://127.0.0.1:" + closedPort + "/x")
            .post(RequestBody.create("{}", MediaType.get("application/json")))
            .build();

    assertThatThrownBy(() -> client.newCall(post).execute()).isInstanceOf(ConnectException.class);
    assertThat(stats.count(MetricNames.RETRIES)).isEqualTo(2);
    assertThat(stats.count(MetricNames.RETRIES_REFUSED_UNSAFE)).isZero();
  }

  @Test
  void certificateFailureIsNotRetried() {
    server.stubFor(any(urlEqualTo("/secure")).willReturn(aResponse().withStatus(200)));
    // WireMock's certificate is self-signed: verification (always on) must reject it.
    Request request =
        new Request.Builder().url("https://localhost:" + server.httpsPort() + "/secure").build();

    assertThatThrownBy(() -> client.newCall(request).execute())
        .isInstanceOf(SSLHandshakeException.class);
    assertThat(stats.count(MetricNames.RETRIES)).isZero();
    assertThat(server.getAllServeEvents()).isEmpty();
  }

  @Test
  void retryStormIsBoundedByTheRetryBudget() {
    OkHttpClient budgeted = FnHttp.newClient(config().retryBudgetTokens(10).build(), stats);
    server.stubFor(
        any(urlEqualTo("/flaky"))
            .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
    int calls = 30;
    for (int i = 0; i < calls; i++) {
      assertThatThrownBy(() -> budgeted.newCall(request("GET", null)).execute())
          .isInstanceOf(IOException.class);
    }
    // 10 tokens, retries allowed while more than 5 remain: at most 5 retries before the bucket is
    // low.
    assertThat(receipts()).hasSizeLessThanOrEqualTo(calls + 5);
    assertThat(stats.count(MetricNames.RETRIES_REFUSED_BUDGET)).isGreaterThan(0);
  }

  static Stream<String> methods() {
    return Stream.of("GET", "POST");
  }

  static Stream<Fault> connectionFaults() {
    return CONNECTION_FAULTS.stream();
  }

  private void failOnceThenSucceed(Fault fault) {
    server.stubFor(
        any(urlEqualTo("/flaky"))
            .inScenario("flaky")
            .whenScenarioStateIs(STARTED)
            .willReturn(aResponse().withFault(fault))
            .willSetStateTo("recovered"));
    server.stubFor(
        any(urlEqualTo("/flaky"))
            .inScenario("flaky")
            .whenScenarioStateIs("recovered")
            .willReturn(aResponse().withStatus(200).withBody("ok")));
  }

  private Request request(String method, String idempotencyKey) {
    RequestBody body =
        !Set.of("GET", "HEAD", "OPTIONS", "DELETE").contains(method)
            ? RequestBody.create("{\"n\":1}", MediaType.get("application/json"))
            : null;
    Request.Builder builder =
        new Request.Builder()
            .url("http://127.0.0.1:" + server.port() + "/flaky")
            .method(method, body);
    if (idempotencyKey != null) {
      builder.header("Idempotency-Key", idempotencyKey);
    }
    return builder.build();
  }

  private List<LoggedRequest> receipts() {
    return server.findAll(anyRequestedFor(urlEqualTo("/flaky")));
  }
}
