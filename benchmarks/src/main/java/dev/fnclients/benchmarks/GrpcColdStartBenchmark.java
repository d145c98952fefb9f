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
import dev.fnclients.testkit.grpc.EchoGrpcServer;
import dev.fnclients.testkit.grpc.StringMethods;
import dev.fnclients.testkit.pubsub.LoopbackPubsubServer;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cold start of the gRPC and Pub/Sub transports: the first unary call (or the first confirmed
 * publish) of a fresh JVM, through {@code FnClients.grpc}/{@code FnClients.publisher} or the plain
 * counterpart a function would otherwise hold ({@code ManagedChannelBuilder...usePlaintext()}; a
 * {@code Publisher} built as the emulator documentation shows). The servers run in a child JVM, so
 * that nothing of gRPC is loaded in the measured JVM before the call; as {@link ColdStartBenchmark}
 * does for HTTP, with the same counters.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(
    value = 10,
    jvmArgsAppend = {"-Xmx512m"})
@Warmup(iterations = 0)
@Measurement(iterations = 1, batchSize = 1)
public class GrpcColdStartBenchmark {
  private static final TopicName TOPIC = TopicName.of("bench", "orders");
  private ChildJvm servers;
  private String grpcTarget;
  private String pubsubTarget;

  @Setup(Level.Trial)
  public void setUp() throws IOException, TimeoutException {
    servers = ChildJvm.builder(Servers.class.getName()).start();
    grpcTarget = servers.expectLine("grpc ", Duration.ofSeconds(60)).substring(5).trim();
    pubsubTarget = servers.expectLine("pubsub ", Duration.ofSeconds(60)).substring(7).trim();
    // The measuring tools load before the measurement, not inside it.
    ColdStartBenchmark.Probe.start().stop(new ColdStartBenchmark.ColdCounters());
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    servers.close();
  }

  @Benchmark
  public String rawGrpc(ColdStartBenchmark.ColdCounters counters) {
    return measure(counters, 0);
  }

  @Benchmark
  public String fnclientsGrpc(ColdStartBenchmark.ColdCounters counters) {
    return measure(counters, 1);
  }

  @Benchmark
  public String rawPublisher(ColdStartBenchmark.ColdCounters counters) {
    return measure(counters, 2);
  }

  @Benchmark
  public String fnclientsPublisher(ColdStartBenchmark.ColdCounters counters) {
    return measure(counters, 3);
  }

  /** A switch rather than a lambda: a lambda's class would be spun inside the measurement. */
  private String measure(ColdStartBenchmark.ColdCounters counters, int path) {
    ColdStartBenchmark.Probe probe = ColdStartBenchmark.Probe.start();
    String result;
    try {
      switch (path) {
        case 0 -> result = RawGrpc.call(grpcTarget);
        case 1 -> result = FnClientsGrpc.call(grpcTarget);
        case 2 -> result = RawPublisher.publish(pubsubTarget);
        default -> result = FnClientsPublisher.publish(pubsubTarget);
      }
    } catch (Exception e) {
      throw new IllegalStateException("cold call failed", e);
    }
    probe.stop(counters);
    return result;
  }

  /**
   * The echo service's Say method, described here: nothing of the testkit server loads in the
   * measured JVM.
   */
  static final class Say {
    static final MethodDescriptor<String, String> METHOD =
        StringMethods.unary("fnclients.test.Echo", "Say");

    static String call(ManagedChannel channel) {
      return ClientCalls.blockingUnaryCall(channel, METHOD, CallOptions.DEFAULT, "cold");
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
    static String publish(String target) throws Exception {
      ManagedChannel channel = ManagedChannelBuilder.forTarget(target).usePlaintext().build();
      Publisher publisher =
          Publisher.newBuilder(TOPIC)
              .setChannelProvider(
                  FixedTransportChannelProvider.create(GrpcTransportChannel.create(channel)))
              .setCredentialsProvider(NoCredentialsProvider.create())
              .build();
      return publisher.publish(message()).get(30, TimeUnit.SECONDS);
    }
  }

  /** A function using {@code FnClients.publisher}. */
  static final class FnClientsPublisher {
    static String publish(String target) throws Exception {
      return FnClients.publisher(TOPIC, PubsubConfig.custom().emulatorHost(target).build())
          .publishAndWait(message());
    }
  }

  static PubsubMessage message() {
    return PubsubMessage.newBuilder().setData(ByteString.copyFromUtf8("cold")).build();
  }

  /**
   * The child JVM: an echo gRPC server and a Pub/Sub server on free loopback ports; prints their
   * targets.
   */
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
