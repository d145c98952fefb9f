package dev.fnclients.http;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.fnclients.http.spi.FnHttp;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.pool.Platform;
import dev.fnclients.spi.TransportStats;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 over TLS on FnClients' own sockets: one connection read by OkHttp's reader thread while
 * callers write on it, many calls multiplexed, responses intact, the socket counted once.
 */
class Http2OnChannelSocketsTest {
  private static final HeldCertificate LOCALHOST =
      new HeldCertificate.Builder().addSubjectAlternativeName("127.0.0.1").build();
  private static final char[] PASSWORD = "test".toCharArray();

  private final TransportStats stats = new TransportStats("http");
  private WireMockServer server;
  private OkHttpClient client;

  @BeforeEach
  void setUp() throws Exception {
    Path keystore = Files.createTempFile("fnclients-h2", ".p12");
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry(
        "localhost",
        LOCALHOST.keyPair().getPrivate(),
        PASSWORD,
        new Certificate[] {LOCALHOST.certificate()});
    try (OutputStream out = Files.newOutputStream(keystore)) {
      keys.store(out, PASSWORD);
    }
    keystore.toFile().deleteOnExit();
    server =
        new WireMockServer(
            wireMockConfig()
                .httpDisabled(true)
                .dynamicHttpsPort()
                .keystorePath(keystore.toString())
                .keystoreType("PKCS12")
                .keystorePassword("test")
                .keyManagerPassword("test"));
    server.start();
    server.stubFor(
        any(urlEqualTo("/slow"))
            .willReturn(aResponse().withFixedDelay(200).withBody("x".repeat(20_000))));
    HandshakeCertificates trust =
        new HandshakeCertificates.Builder().addTrustedCertificate(LOCALHOST.certificate()).build();
    client =
        FnHttp.newClient(FnClientsConfig.custom().platform(Platform.OTHER).build(), stats)
            .newBuilder()
            .sslSocketFactory(trust.sslSocketFactory(), trust.trustManager())
            .build();
  }

  @AfterEach
  void tearDown() throws Exception {
    FnHttp.close(client, Duration.ofSeconds(1));
    server.stop();
  }

  @Test
  void concurrentCallsShareOneHttp2ConnectionOnAChannelSocket() throws Exception {
    assertThat(get()).isEqualTo("h2:20000"); // the connection, before the calls that share it
    List<CompletableFuture<String>> calls = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      calls.add(CompletableFuture.supplyAsync(this::get));
    }
    for (CompletableFuture<String> call : calls) {
      assertThat(call.get(20, TimeUnit.SECONDS)).isEqualTo("h2:20000");
    }

    assertThat(stats.count(MetricNames.CONNECTIONS_OPENED))
        .as("multiplexed on one connection")
        .isEqualTo(1);
    assertThat(get()).as("and reused afterwards").isEqualTo("h2:20000");
  }

  private String get() {
    try (Response response =
        client
            .newCall(
                new Request.Builder()
                    .url("https://127.0.0.1:" + server.httpsPort() + "/slow")
                    .build())
            .execute()) {
      return (response.protocol() == Protocol.HTTP_2 ? "h2:" : response.protocol() + ":")
          + response.body().string().length();
    } catch (IOException e) {
      return e.toString();
    }
  }
}
