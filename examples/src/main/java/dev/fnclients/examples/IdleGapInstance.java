package dev.fnclients.examples;

import dev.fnclients.FnClients;
import dev.fnclients.grpc.GrpcConfig;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.testkit.grpc.EchoGrpcServer;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.Supplier;
import okhttp3.Call;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The function instance of {@link IdleGap}, in a child JVM: {@code IdleGapInstance http|grpc
 * VARIANT DIRECT VIA_PROXY TIMEOUT_MS}. After one uncounted call to {@code DIRECT} (the server
 * itself) it prints {@code READY <uptime ms> <counts>}, then answers each line on stdin (an
 * invocation: one GET or unary call through the proxy) with {@code OK|FAIL <micros> <counts>
 * [exception]}. Counts: live threads, retries (FnClients', or plain OkHttp's silent ones), idle
 * discards (FnClients'); -1 where not counted. The client variants: benchmarks/README.md.
 */
public final class IdleGapInstance {
  private static final GrpcConfig PLAINTEXT = GrpcConfig.custom().usePlaintext().build();
  private static final LongAdder OKHTTP_RETRIES = new LongAdder();

  private IdleGapInstance() {}

  /** One call to a target, the way one variant makes it. */
  private interface Caller {
    void call(String target) throws Exception;
  }

  public static void main(String[] args) throws Exception {
    String protocol = args[0];
    String variant = args[1];
    Duration timeout = Duration.ofMillis(Long.parseLong(args[4]));
    Caller caller = protocol.equals("http") ? http(variant, timeout) : grpc(variant, timeout);
    // Uncounted, so it gets three tries: on a busy machine it can miss its deadline.
    String failure = call(caller, args[2]);
    for (int retry = 0; failure != null && retry < 2; retry++) {
      failure = call(caller, args[2]);
    }
    if (failure != null) {
      throw new IllegalStateException("the first call failed 3 times: " + failure);
    }
    long uptime = ManagementFactory.getRuntimeMXBean().getUptime();
    System.out.println("READY " + uptime + " " + counts(protocol, variant));
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    while (in.readLine() != null) {
      long start = System.nanoTime();
      failure = call(caller, args[3]);
      long micros = (System.nanoTime() - start) / 1000;
      System.out.printf(
          "%s %d %s %s%n",
          failure == null ? "OK" : "FAIL", micros, counts(protocol, variant), failure);
    }
    System.exit(0);
  }

  /**
   * Makes one call; returns null, or the failure in one line, numbers folded, to group failures.
   */
  private static String call(Caller caller, String target) {
    try {
      caller.call(target);
      return null;
    } catch (Exception e) {
      String cause =
          e.getCause() == null ? "" : " (cause " + e.getCause().getClass().getSimpleName() + ")";
      String s =
          (e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()))
              .replaceAll("\\s+", " ")
              .replaceAll("[0-9]+(\\.[0-9]+)?", "N");
      return (s.length() > 90 ? s.substring(0, 87) + "..." : s) + cause;
    }
  }

  /** Live threads, retries, idle discards; FnClients' metrics only for its variant. */
  private static String counts(String protocol, String variant) {
    boolean fn = variant.equals("fnclients");
    long retries =
        fn
            ? FnClients.metrics().count(protocol, MetricNames.RETRIES)
            : protocol.equals("http") ? OKHTTP_RETRIES.sum() : -1;
    long idle = fn ? FnClients.metrics().count(protocol, MetricNames.IDLE_EVICTIONS) : -1;
    return Thread.activeCount() + " " + retries + " " + idle;
  }

  private static Caller http(String variant, Duration timeout) {
    EventListener retries =
        new EventListener() {
          @Override
          public void retryDecision(Call call, IOException exception, boolean retry) {
            if (retry) {
              OKHTTP_RETRIES.increment();
            }
          }
        };
    // A default client but for the read timeout, so that a silent-drop stall stays short.
    Supplier<OkHttpClient> plain =
        () -> new OkHttpClient.Builder().readTimeout(timeout).eventListener(retries).build();
    return switch (variant) {
      case "clientPerInvocation" ->
          url -> {
            OkHttpClient client = plain.get();
            try {
              get(client, url);
            } finally {
              // What a tidy function does before returning.
              client.dispatcher().executorService().shutdown();
              client.connectionPool().evictAll();
            }
          };
      case "defaultShared" -> {
        OkHttpClient shared = plain.get();
        yield url -> get(shared, url);
      }
      case "fnclients" -> url -> get(FnClients.http(), url);
      default -> throw new IllegalArgumentException("variant " + variant);
    };
  }

  private static void get(OkHttpClient client, String url) throws IOException {
    try (Response response = client.newCall(new Request.Builder().url(url).build()).execute()) {
      if (response.code() != 200) {
        throw new IOException("HTTP " + response.code());
      }
      response.body().string();
    }
  }

  private static Caller grpc(String variant, Duration timeout) {
    // A default channel has no deadline: without one a call into a silently dropped connection
    // would hang until TCP gave up. Per call: a deadline is a point in time, not a duration.
    Supplier<CallOptions> withDeadline =
        () -> CallOptions.DEFAULT.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
    Function<String, ManagedChannel> plain =
        target -> Grpc.newChannelBuilder(target, InsecureChannelCredentials.create()).build();
    return switch (variant) {
      case "clientPerInvocation" ->
          target -> {
            ManagedChannel channel = plain.apply(target);
            try {
              say(channel, withDeadline.get());
            } finally {
              channel.shutdown();
              if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
                channel.shutdownNow();
              }
            }
          };
      case "defaultShared" -> {
        Map<String, ManagedChannel> channels = new HashMap<>(); // the server's and the proxy's
        yield target -> say(channels.computeIfAbsent(target, plain), withDeadline.get());
      }
      case "fnclients" -> target -> say(FnClients.grpc(target, PLAINTEXT), CallOptions.DEFAULT);
      default -> throw new IllegalArgumentException("variant " + variant);
    };
  }

  private static void say(Channel channel, CallOptions options) {
    EchoGrpcServer.call(channel, EchoGrpcServer.SAY, "hi", options);
  }
}
