package dev.fnclients;

import com.google.protobuf.ByteString;
import com.google.pubsub.v1.PubsubMessage;
import dev.fnclients.grpc.GrpcConfig;
import dev.fnclients.testkit.grpc.EchoGrpcServer;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * A function instance in a child JVM: each line {@code GET <url>}, {@code GRPC <host:port>} or
 * {@code PUB <topic>} on stdin is one invocation, answered on stdout with {@code OK <ms>} or {@code
 * FAIL <ms> <exception>}. The argument picks the client: {@code fnclients} for {@link
 * FnClients#http()}, {@code default} for a shared default OkHttpClient.
 */
public final class FunctionInstanceMain {
  public static void main(String[] args) throws Exception {
    boolean pooled = args.length == 0 || args[0].equals("fnclients");
    OkHttpClient defaultClient =
        pooled ? null : new OkHttpClient.Builder().readTimeout(Duration.ofSeconds(3)).build();
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    System.out.println("READY");
    for (String line; (line = in.readLine()) != null; ) {
      if (line.equals("STATS")) {
        System.out.println("STATS " + stats("http"));
        continue;
      }
      if (line.startsWith("PUB ")) {
        publish(line.substring(4));
        continue;
      }
      if (line.startsWith("GRPC ")) {
        grpc(line.substring(5), pooled);
        continue;
      }
      OkHttpClient client = pooled ? FnClients.http() : defaultClient;
      long start = System.nanoTime();
      try (Response response =
          client.newCall(new Request.Builder().url(line.substring(4)).build()).execute()) {
        response.body().string();
        System.out.println(
            "OK " + (System.nanoTime() - start) / 1_000_000 + (pooled ? " " + stats("http") : ""));
      } catch (Exception e) {
        System.out.println("FAIL " + (System.nanoTime() - start) / 1_000_000 + " " + e);
      }
    }
  }

  /** One message, published and confirmed inside the invocation. */
  private static void publish(String topic) {
    long start = System.nanoTime();
    try {
      FnClients.publisher(topic)
          .publishAndWait(
              PubsubMessage.newBuilder().setData(ByteString.copyFromUtf8("hi")).build());
      System.out.println("OK " + (System.nanoTime() - start) / 1_000_000 + " " + stats("grpc"));
    } catch (Exception e) {
      System.out.println("FAIL " + (System.nanoTime() - start) / 1_000_000 + " " + e);
    }
  }

  private static ManagedChannel defaultChannel;

  /** One unary call; the default channel gets a 3 s deadline, FnClients its default one. */
  private static void grpc(String target, boolean pooled) {
    Channel channel;
    CallOptions options = CallOptions.DEFAULT;
    if (pooled) {
      channel = FnClients.grpc(target, GrpcConfig.custom().usePlaintext().build());
    } else {
      if (defaultChannel == null) {
        defaultChannel =
            Grpc.newChannelBuilder(target, InsecureChannelCredentials.create()).build();
      }
      channel = defaultChannel;
      options = options.withDeadlineAfter(3, TimeUnit.SECONDS);
    }
    long start = System.nanoTime();
    try {
      EchoGrpcServer.call(channel, EchoGrpcServer.SAY, "hi", options);
      System.out.println(
          "OK " + (System.nanoTime() - start) / 1_000_000 + (pooled ? " " + stats("grpc") : ""));
    } catch (RuntimeException e) {
      System.out.println("FAIL " + (System.nanoTime() - start) / 1_000_000 + " " + e);
    }
  }

  /**
   * The transport's counts as {@code transport{NAME=count, ...}}, read through the public metrics.
   */
  private static String stats(String transport) {
    java.util.Map<dev.fnclients.pool.MetricNames, Long> counts =
        new java.util.EnumMap<>(dev.fnclients.pool.MetricNames.class);
    for (dev.fnclients.pool.MetricNames name : dev.fnclients.pool.MetricNames.values()) {
      counts.put(name, FnClients.metrics().count(transport, name));
    }
    return transport + counts;
  }
}
