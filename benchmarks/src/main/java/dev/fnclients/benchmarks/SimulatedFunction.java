package dev.fnclients.benchmarks;

import dev.fnclients.FnClients;
import dev.fnclients.grpc.GrpcConfig;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.pool.FnClientsMetrics;
import dev.fnclients.testkit.grpc.EchoGrpcServer;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import okhttp3.Call;
import okhttp3.EventListener;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * A function instance for {@link PlatformSimulation}, run in a child JVM that the simulation
 * freezes ({@code SIGSTOP}) between invocations as a platform does.
 *
 * <pre>
 * SimulatedFunction http|grpc clientPerInvocation|defaultShared|fnclients DIRECT VIA_PROXY TIMEOUT_MS
 * </pre>
 *
 * <p>{@code DIRECT} and {@code VIA_PROXY} are URLs for http and {@code host:port} targets for
 * grpc. At start the instance makes one call to {@code DIRECT} (the server itself, not through the
 * proxy: class loading and the first JIT work are cold start, measured elsewhere), then prints
 * {@code READY <live threads>}. Then each line on stdin is a command:
 *
 * <ul>
 *   <li>{@code INVOKE}: one invocation, one call through the proxy; answers
 *       {@code OK <micros>} or {@code FAIL <micros> <exception>};
 *   <li>{@code BURST <n>}: {@code n} invocations back to back; answers
 *       {@code BURST <ok> <failed> <max micros> <live threads>};
 *   <li>{@code THREADS}: answers {@code THREADS <live threads>};
 *   <li>{@code STATS}: answers {@code STATS <retries> <idle discards>}: attempts the client retried
 *       on its own (OkHttp's silent retries, counted by an event listener, or FnClients' retry
 *       counter) and connections FnClients discarded as idle-expired ({@code -1} where a client has
 *       no such counter);
 *   <li>{@code QUIT}: exits (FnClients' shutdown hook closes its clients).
 * </ul>
 *
 * <p>The clients, as a function would hold them:
 *
 * <ul>
 *   <li>{@code clientPerInvocation}: http, a default {@code OkHttpClient} built per invocation (read
 *       timeout {@code TIMEOUT_MS}), shut down after it; grpc, a default plaintext channel per
 *       invocation, calls with a {@code TIMEOUT_MS} deadline, shut down after it;
 *   <li>{@code defaultShared}: one such client or channel (per target) for the instance;
 *   <li>{@code fnclients}: {@code FnClients.http()} / {@code FnClients.grpc(target, plaintext)} on
 *       every invocation, configured only by {@code FNCLIENTS_*} environment variables.
 * </ul>
 *
 * <p>A default gRPC channel has no deadline at all; without the {@code TIMEOUT_MS} deadline given
 * here, a call on a silently dropped connection would hang until the TCP connection failed.
 */
public final class SimulatedFunction {
  static final GrpcConfig PLAINTEXT = GrpcConfig.custom().usePlaintext().build();

  /** Retries the plain OkHttp clients decided on by themselves ({@code retryDecision} events). */
  private static final LongAdder OKHTTP_RETRIES = new LongAdder();

  private static final EventListener COUNT_RETRIES = new EventListener() {
    @Override
    public void retryDecision(Call call, IOException exception, boolean retry) {
      if (retry) {
        OKHTTP_RETRIES.increment();
      }
    }
  };

  private SimulatedFunction() {}

  /** One call to a target, the way one variant makes it. */
  interface Caller {
    void call(String target) throws Exception;
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 5) {
      System.err.println("usage: SimulatedFunction http|grpc VARIANT DIRECT VIA_PROXY TIMEOUT_MS");
      System.exit(2);
    }
    String protocol = args[0];
    String variant = args[1];
    String direct = args[2];
    String viaProxy = args[3];
    Duration timeout = Duration.ofMillis(Long.parseLong(args[4]));
    Caller call = protocol.equals("http") ? http(variant, timeout) : grpc(variant, timeout);

    call.call(direct);
    System.out.println("READY " + Thread.activeCount());
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      if (line.equals("INVOKE")) {
        long start = System.nanoTime();
        try {
          call.call(viaProxy);
          System.out.println("OK " + micros(start));
        } catch (Exception e) {
          System.out.println("FAIL " + micros(start) + " " + describe(e));
        }
      } else if (line.startsWith("BURST ")) {
        int n = Integer.parseInt(line.substring(6).trim());
        int ok = 0;
        int failed = 0;
        long max = 0;
        for (int i = 0; i < n; i++) {
          long start = System.nanoTime();
          try {
            call.call(viaProxy);
            ok++;
          } catch (Exception e) {
            failed++;
          }
          max = Math.max(max, micros(start));
        }
        System.out.println("BURST " + ok + " " + failed + " " + max + " " + Thread.activeCount());
      } else if (line.equals("THREADS")) {
        System.out.println("THREADS " + Thread.activeCount());
      } else if (line.equals("STATS")) {
        if (variant.equals("fnclients")) {
          FnClientsMetrics stats = FnClients.metrics();
          System.out.println("STATS " + stats.count(protocol, MetricNames.RETRIES) + " " + stats.count(protocol, MetricNames.IDLE_EVICTIONS));
        } else {
          System.out.println("STATS " + (protocol.equals("http") ? OKHTTP_RETRIES.sum() : -1) + " -1");
        }
      } else if (line.equals("QUIT")) {
        break;
      }
    }
    System.exit(0);
  }

  private static long micros(long startNanos) {
    return (System.nanoTime() - startNanos) / 1000;
  }

  /** One line: the exception's class and message, with its cause's class when there is one. */
  static String describe(Throwable e) {
    StringBuilder s = new StringBuilder(e.getClass().getSimpleName());
    if (e.getMessage() != null) {
      s.append(": ").append(e.getMessage());
    }
    if (e.getCause() != null && e.getCause() != e) {
      s.append(" (cause ").append(e.getCause().getClass().getSimpleName()).append(')');
    }
    return s.toString().replace('\n', ' ').replace('\r', ' ');
  }

  private static Caller http(String variant, Duration timeout) {
    switch (variant) {
      case "clientPerInvocation":
        return url -> {
          OkHttpClient client = new OkHttpClient.Builder().readTimeout(timeout).eventListener(COUNT_RETRIES).build();
          try {
            get(client, url);
          } finally {
            client.dispatcher().executorService().shutdown();
            client.connectionPool().evictAll();
          }
        };
      case "defaultShared": {
        OkHttpClient shared = new OkHttpClient.Builder().readTimeout(timeout).eventListener(COUNT_RETRIES).build();
        return url -> get(shared, url);
      }
      case "fnclients":
        return url -> get(FnClients.http(), url);
      default:
        throw new IllegalArgumentException("variant " + variant);
    }
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
    switch (variant) {
      case "clientPerInvocation":
        return target -> {
          ManagedChannel channel = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create()).build();
          try {
            EchoGrpcServer.call(channel, EchoGrpcServer.SAY, "hi", withDeadline(timeout));
          } finally {
            channel.shutdown();
            if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
              channel.shutdownNow();
            }
          }
        };
      case "defaultShared": {
        Map<String, ManagedChannel> channels = new HashMap<>();
        return target -> EchoGrpcServer.call(
            channels.computeIfAbsent(target, t -> Grpc.newChannelBuilder(t, InsecureChannelCredentials.create()).build()),
            EchoGrpcServer.SAY, "hi", withDeadline(timeout));
      }
      case "fnclients":
        return target -> EchoGrpcServer.call(FnClients.grpc(target, PLAINTEXT), EchoGrpcServer.SAY, "hi", CallOptions.DEFAULT);
      default:
        throw new IllegalArgumentException("variant " + variant);
    }
  }

  private static CallOptions withDeadline(Duration timeout) {
    return CallOptions.DEFAULT.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }
}
