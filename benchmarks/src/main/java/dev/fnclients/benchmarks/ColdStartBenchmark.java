package dev.fnclients.benchmarks;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.cloud.pubsub.v1.Publisher;
import com.google.protobuf.ByteString;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.TopicName;
import dev.fnclients.FnClients;
import dev.fnclients.grpc.GrpcConfig;
import dev.fnclients.pubsub.PubsubConfig;
import dev.fnclients.testkit.ChildJvm;
import dev.fnclients.testkit.LoopbackHttpServer;
import dev.fnclients.testkit.grpc.EchoGrpcServer;
import dev.fnclients.testkit.grpc.StringMethods;
import dev.fnclients.testkit.pubsub.LoopbackPubsubServer;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cold start: the first call of a fresh JVM (single shot, one operation per fork), through the
 * {@code FnClients} facade or the plain client a function would otherwise hold. The HTTP server
 * runs in this JVM (JDK classes only), the gRPC and Pub/Sub servers in a child JVM, so that nothing
 * of gRPC is loaded before the call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(
    value = 20,
    jvmArgsAppend = {"-Xmx512m", "-Dsun.net.httpserver.nodelay=true"})
@Warmup(iterations = 0)
@Measurement(iterations = 1, batchSize = 1)
public class ColdStartBenchmark {
  @Param({
    "rawOkHttp",
    "fnclients",
    "rawGrpc",
    "fnclientsGrpc",
    "rawPublisher",
    "fnclientsPublisher"
  })
  public String variant;

  private AutoCloseable servers;
  private String url;
  private String grpcTarget;
  private String pubsubTarget;

  /** Classes loaded and the benchmark thread's CPU time during the measured call. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class ColdCounters {
    /** Always 1: JMH sums counters over forks, and Report divides by this. */
    public long ops;

    public long classesLoaded;
    public long callerCpuNanos;
  }

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    if (variant.equals("rawOkHttp") || variant.equals("fnclients")) {
      LoopbackHttpServer http = LoopbackHttpServer.start(); // JDK classes only: no OkHttp
      servers = http;
      url = http.url();
      try (InputStream in = URI.create(url).toURL().openStream()) {
        in.readAllBytes(); // the server's own first request, over the JDK's client
      }
    } else {
      ChildJvm child = ChildJvm.builder(Servers.class.getName()).start();
      servers = child;
      grpcTarget = child.expectLine("grpc ", Duration.ofSeconds(60)).substring(5).trim();
      pubsubTarget = child.expectLine("pubsub ", Duration.ofSeconds(60)).substring(7).trim();
    }
    measure(new ColdCounters(), ""); // the measuring tools load before the measurement
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    servers.close();
  }

  @Benchmark
  public String firstCall(ColdCounters counters) throws Exception {
    return measure(counters, variant);
  }

  /**
   * A switch rather than a lambda (whose class would be spun inside the measurement); each path
   * lives in a class of its own, loaded on the first call: nothing of a client is touched while
   * this class is loaded and verified.
   */
  private String measure(ColdCounters counters, String path) throws Exception {
    long classes = ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount();
    long cpu = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    String result =
        switch (path) {
          case "rawOkHttp" -> RawOkHttp.call(url);
          case "fnclients" -> FnClientsHttp.call(url);
          case "rawGrpc" -> RawGrpc.call(grpcTarget);
          case "fnclientsGrpc" -> FnClientsGrpc.call(grpcTarget);
          case "rawPublisher" -> RawPublisher.call(pubsubTarget);
          case "fnclientsPublisher" -> FnClientsPublisher.call(pubsubTarget);
          default -> null;
        };
    counters.callerCpuNanos = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpu;
    counters.classesLoaded =
        ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount() - classes;
    counters.ops = 1;
    return result;
  }

  /** A function holding a default OkHttp client, built on first use. */
  static final class RawOkHttp {
    static String call(String url) throws Exception {
      try (Response response =
          new OkHttpClient().newCall(new Request.Builder().url(url).build()).execute()) {
        return response.body().string();
      }
    }
  }

  /** A function using {@code FnClients.http()}. */
  static final class FnClientsHttp {
    static String call(String url) throws Exception {
      try (Response response =
          FnClients.http().newCall(new Request.Builder().url(url).build()).execute()) {
        return response.body().string();
      }
    }
  }

  /** The echo service's Say, described here: nothing of the testkit server loads in this JVM. */
  static final class Say {
    static String call(ManagedChannel channel) {
      return ClientCalls.blockingUnaryCall(
          channel, StringMethods.unary("fnclients.test.Echo", "Say"), CallOptions.DEFAULT, "cold");
    }
  }

  /** A function holding a default plaintext channel, built on first use. */
  static final class RawGrpc {
    static String call(String target) {
      return Say.call(ManagedChannelBuilder.forTarget(target).usePlaintext().build());
    }
  }

  /** A function using {@code FnClients.grpc}. */
  static final class FnClientsGrpc {
    static String call(String target) {
      return Say.call(FnClients.grpc(target, GrpcConfig.custom().usePlaintext().build()));
    }
  }

  /** A function holding a {@code Publisher} for the emulator, as its documentation builds one. */
  static final class RawPublisher {
    static String call(String target) throws Exception {
      ManagedChannel channel = ManagedChannelBuilder.forTarget(target).usePlaintext().build();
      Publisher publisher =
          Publisher.newBuilder(Topic.NAME)
              .setChannelProvider(
                  FixedTransportChannelProvider.create(GrpcTransportChannel.create(channel)))
              .setCredentialsProvider(NoCredentialsProvider.create())
              .build();
      return publisher.publish(Topic.message()).get(30, TimeUnit.SECONDS);
    }
  }

  /** A function using {@code FnClients.publisher}. */
  static final class FnClientsPublisher {
    static String call(String target) throws Exception {
      return FnClients.publisher(Topic.NAME, PubsubConfig.custom().emulatorHost(target).build())
          .publishAndWait(Topic.message());
    }
  }

  /** What both publishers publish: loaded by their first call, not before it (Guava, regex). */
  static final class Topic {
    static final TopicName NAME = TopicName.of("bench", "orders");

    static PubsubMessage message() {
      return PubsubMessage.newBuilder().setData(ByteString.copyFromUtf8("cold")).build();
    }
  }

  /** The child JVM: echo gRPC and Pub/Sub servers on free loopback ports; prints their targets. */
  public static final class Servers {
    public static void main(String[] args) throws Exception {
      EchoGrpcServer grpc = EchoGrpcServer.start();
      LoopbackPubsubServer pubsub = LoopbackPubsubServer.start();
      System.out.println("grpc " + grpc.target());
      System.out.println("pubsub " + pubsub.target());
      System.out.flush();
      System.in.read(); // runs until the parent closes the pipe or ends
      grpc.close();
      pubsub.close();
    }
  }
}
