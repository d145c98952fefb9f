package dev.fnclients.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP-only consumer (src/it/http-only): a Cloud Run function whose pom has no parent, imports
 * fnclients-bom and depends on fnclients alone, built against this build's published artifacts. Its
 * function runs on the Functions Framework invoker and answers a real request through {@code
 * FnClients.http()}; what it resolved is checked against what the build tested.
 */
class HttpOnlyConsumerIT {
  /** Must not be on an HTTP-only function's class path (issue 9: a la carte transports). */
  private static final List<String> TRANSPORT_GROUPS =
      List.of(
          "io.grpc",
          "com.google.cloud",
          "com.google.api",
          "com.google.protobuf",
          "com.google.guava");

  /** OkHttp's own closure, what a function using plain OkHttp ships. */
  private static final Set<String> OKHTTP_CLOSURE =
      Set.of(
          "com.squareup.okhttp3:okhttp-jvm", "com.squareup.okio:okio-jvm",
          "org.jetbrains.kotlin:kotlin-stdlib", "org.jetbrains:annotations");

  private static final double MAX_FOOTPRINT_RATIO = 1.6;
  private static final String ITEMS = "[\"apple\",\"pear\"]";

  private static ConsumerBuild consumer;
  private static HttpServer upstream;
  private static final AtomicInteger upstreamRequests = new AtomicInteger();
  private static FunctionInstance function;
  private static HttpResponse<String> firstResponse;
  private static String stderrAfterFirstCall;

  @BeforeAll
  static void buildStartAndCallTheFunction() throws Exception {
    consumer = ConsumerBuild.named("http-only");
    System.out.println("http-only consumer resolved: " + consumer.dependencies());

    upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    upstream.createContext(
        "/items",
        exchange -> {
          upstreamRequests.incrementAndGet();
          byte[] body = ITEMS.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    upstream.start();

    function =
        FunctionInstance.start(
            consumer,
            "com.example.Inventory",
            Map.of("ITEMS_URL", "http://127.0.0.1:" + upstream.getAddress().getPort() + "/items"));
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    firstResponse =
        client.send(
            HttpRequest.newBuilder(function.uri()).timeout(Duration.ofSeconds(30)).build(),
            HttpResponse.BodyHandlers.ofString());
    stderrAfterFirstCall = function.stderr();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    if (function != null) {
      function.close();
    }
    if (upstream != null) {
      upstream.stop(0);
    }
  }

  @Test
  void functionAnswersARequestThroughFnClientsHttpOnTheInvoker() {
    assertThat(firstResponse.statusCode()).as(function.output()).isEqualTo(200);
    assertThat(firstResponse.body()).isEqualTo(ITEMS);
    assertThat(upstreamRequests).hasValue(1);
  }

  @Test
  void firstCallPrintsNoSlf4jWarning() {
    assertThat(stderrAfterFirstCall.lines().filter(l -> l.contains("SLF4J")))
        .as("SLF4J lines on the function's stderr after its first call:\n%s", stderrAfterFirstCall)
        .isEmpty();
  }

  @Test
  void dependencyTreeHasNoGrpcPubsubProtobufOrGuavaArtifact() {
    // Provided: the Functions Framework API and what it brings, which the platform supplies.
    List<String> transports =
        consumer.dependencies().stream()
            .filter(d -> !d.scope().equals("provided"))
            .filter(
                d ->
                    TRANSPORT_GROUPS.stream()
                        .anyMatch(g -> d.groupId().equals(g) || d.groupId().startsWith(g + ".")))
            .map(ResolvedDependency::toString)
            .toList();
    assertThat(transports).isEmpty();
    assertThat(consumer.dependency("dev.fnclients", "fnclients-grpc")).isEmpty();
    assertThat(consumer.dependency("dev.fnclients", "fnclients-pubsub")).isEmpty();
    assertThat(consumer.dependency("com.google.cloud.functions", "functions-framework-api"))
        .hasValueSatisfying(d -> assertThat(d.scope()).isEqualTo("provided"));
  }

  @Test
  void resolvesTheVersionsTheBuildTestedWith() throws IOException {
    consumer.assertResolvedTheTestedVersions(ConsumerBuild.testedVersions());
  }

  /**
   * Code that calls {@code FnClients.grpc} does not compile without grpc-java ({@code
   * ManagedChannel} is its return type); it runs without it when it was compiled elsewhere, e.g. in
   * a library, or the artifact was left out of the deployment. The probe is compiled against the
   * consumer's class path plus grpc-api, and run on the consumer's class path alone.
   */
  @Test
  void grpcWithoutFnclientsGrpcFailsNamingTheArtifactToAdd(@TempDir Path probeClasses)
      throws Exception {
    Path grpcApi =
        Path.of(ManagedChannel.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<Path> compileClasspath = new ArrayList<>(consumer.runtimeClasspath());
    compileClasspath.add(grpcApi);
    Probe.compile(GRPC_PROBE, compileClasspath, probeClasses);

    List<URL> runtime = new ArrayList<>(List.of(consumer.runtimeClasspathUrls()));
    runtime.add(probeClasses.toUri().toURL());
    try (URLClassLoader function =
        new URLClassLoader(runtime.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
      Runnable probe =
          (Runnable) Class.forName("GrpcProbe", true, function).getConstructor().newInstance();
      assertThatThrownBy(probe::run)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(
              "dev.fnclients:fnclients-grpc:"
                  + ConsumerBuild.property("consumers.fnclientsVersion"));
    }
  }

  private static final String GRPC_PROBE =
      """
      public class GrpcProbe implements Runnable {
        @Override
        public void run() {
          dev.fnclients.FnClients.grpc("x:443");
        }
      }
      """;

  @Test
  void runtimeJarsWeighAtMostOnePointSixTimesOkHttpsOwn() throws IOException {
    long all = 0;
    long okhttp = 0;
    for (ResolvedDependency d : consumer.runtimeDependencies()) {
      long bytes = Files.size(d.jar());
      all += bytes;
      if (OKHTTP_CLOSURE.contains(d.key())) {
        okhttp += bytes;
      }
    }
    assertThat(okhttp).as("OkHttp's closure among %s", consumer.runtimeDependencies()).isPositive();
    double ratio = (double) all / okhttp;
    System.out.printf(
        "HTTP-only footprint: %d runtime jars, %,d bytes; OkHttp's own (okhttp-jvm, okio-jvm, kotlin-stdlib, "
            + "annotations) %,d bytes; ratio %.3f (limit %.1f)%n",
        consumer.runtimeDependencies().size(), all, okhttp, ratio, MAX_FOOTPRINT_RATIO);
    assertThat(ratio).isLessThanOrEqualTo(MAX_FOOTPRINT_RATIO);
  }
}
