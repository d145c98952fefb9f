package dev.fnclients.benchmarks;

import dev.fnclients.testkit.LoopbackHttpServer;
import java.io.IOException;
import okhttp3.Request;
import okhttp3.tls.HandshakeCertificates;
import org.openjdk.jmh.annotations.Param;

/**
 * A per-invocation benchmark against a loopback HTTP or HTTPS server ({@link LoopbackHttpServer}).
 */
public abstract class HttpBenchmark extends InvocationBenchmark {
  @Param({"http", "https"})
  public String scheme;

  LoopbackHttpServer server;
  Request request;

  /** The server's throwaway certificate, for https. */
  private LoopbackTls tls;

  /** Starts the server; the subclass's set-up calls it first. */
  void startServer() throws IOException {
    tls = scheme.equals("https") ? LoopbackTls.create() : null;
    server = LoopbackHttpServer.start(tls == null ? null : tls.server().sslContext());
    atEnd(server);
    request = new Request.Builder().url(server.url()).build();
  }

  /**
   * Client TLS trusting the server's certificate (null for http): {@code fresh}, a trust manager
   * and context of its own, as a default client built per invocation makes them; else one shared.
   */
  HandshakeCertificates clientTls(boolean fresh) {
    return tls == null ? null : fresh ? tls.newClient() : tls.client();
  }

  LoopbackTls tls() {
    return tls;
  }
}
