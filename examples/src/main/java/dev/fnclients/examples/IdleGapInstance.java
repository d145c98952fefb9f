package dev.fnclients.examples;

import dev.fnclients.FnClients;
import dev.fnclients.grpc.GrpcConfig;
import dev.fnclients.pool.FnClientsMetrics;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.testkit.grpc.EchoGrpcServer;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import okhttp3.Call;
import okhttp3.Connection;
import okhttp3.EventListener;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * The function instance of the idle-gap harness ({@link IdleGap}), in a child JVM the harness
 * freezes between invocations: {@code IdleGapInstance http|grpc VARIANT DIRECT VIA_PROXY
 * TIMEOUT_MS}. It makes one call to {@code DIRECT} (the server itself: class loading and the first
 * JIT work are cold start, measured elsewhere), prints {@code READY <live threads>}, then answers
 * commands: {@code INVOKE M1 M2 ...}, one invocation making one call per word (for http a GET or a
 * POST, for grpc a unary call), one line per call, {@code OK <micros> <live threads>} or {@code
 * FAIL <micros> <live threads> <exception>}; {@code STATS}, {@code STATS name=count ...} ({@code
 * retries}: FnClients' counter, or the attempts a plain OkHttp client retried by itself, also by
 * method as {@code retriedPOST} ...; {@code idleEvictions}: connections FnClients discarded as
 * idle-expired; {@code opened}, {@code reused}: connections opened, calls on a connection that
 * carried one before; -1 where not counted); {@code QUIT}.
 *
 * <p>The clients, as a function would hold them: {@code clientPerInvocation}, a default {@code
 * OkHttpClient} (read timeout {@code TIMEOUT_MS}) or plaintext channel built per invocation and
 * shut down after it; {@code defaultShared}, one for the instance; {@code fnclients}, {@code
 * FnClients.http()} or {@code FnClients.grpc(target, plaintext)} on every invocation, configured by
 * {@code FNCLIENTS_*} variables only. A default gRPC channel has no deadline: its calls get {@code
 * TIMEOUT_MS}, without which a call into a silently dropped connection would hang until TCP gave
 * up, minutes later.
 */
public final class IdleGapInstance {
  /** The three ways a function can hold its client. */
  public static final List<String> VARIANTS =
      List.of("clientPerInvocation", "defaultShared", "fnclients");

  private static final GrpcConfig PLAINTEXT = GrpcConfig.custom().usePlaintext().build();
  private static final MediaType JSON = MediaType.get("application/json");
  private static final OkHttpCounts OKHTTP = new OkHttpCounts();

  private IdleGapInstance() {}

  /** One call to a target, the way one variant makes it. */
  private interface Caller {
    void call(String target, String method) throws Exception;
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 5) {
      System.err.println("usage: IdleGapInstance http|grpc VARIANT DIRECT VIA_PROXY TIMEOUT_MS");
      System.exit(2);
    }
    String protocol = args[0];
    String variant = args[1];
    Duration timeout = Duration.ofMillis(Long.parseLong(args[4]));
    Caller caller = protocol.equals("http") ? http(variant, timeout) : grpc(variant, timeout);
    // Uncounted, so it gets three tries: on a busy machine it can miss its deadline.
    String warmUp = call(caller, args[2], "GET");
    for (int retry = 0; warmUp != null && retry < 2; retry++) {
      warmUp = call(caller, args[2], "GET");
    }
    if (warmUp != null) {
      throw new IllegalStateException("the first call failed 3 times: " + warmUp);
    }
    System.out.println("READY " + Thread.activeCount());
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null && !line.equals("QUIT"); ) {
      String[] words = line.split(" ");
      switch (words[0]) {
        case "INVOKE" -> {
          for (int i = 1; i < words.length; i++) {
            long start = System.nanoTime();
            String failure = call(caller, args[3], words[i]);
            long micros = (System.nanoTime() - start) / 1000;
            System.out.println(
                (failure == null ? "OK " : "FAIL ")
                    + micros
                    + " "
                    + Thread.activeCount()
                    + (failure == null ? "" : " " + failure));
          }
        }
        case "STATS" -> System.out.println("STATS " + stats(protocol, variant));
        default -> System.out.println("ERROR unknown command: " + line);
      }
    }
    System.exit(0);
  }

  /** Makes one call; returns null, or the failure in one line. */
  private static String call(Caller caller, String target, String method) {
    try {
      caller.call(target, method);
      return null;
    } catch (Exception e) {
      String cause =
          e.getCause() == null || e.getCause() == e
              ? ""
              : " (cause " + e.getCause().getClass().getSimpleName() + ")";
      return (e.getClass().getSimpleName()
              + (e.getMessage() == null ? "" : ": " + e.getMessage())
              + cause)
          .replace('\n', ' ')
          .replace('\r', ' ');
    }
  }

  private static String stats(String protocol, String variant) {
    Map<String, Long> stats =
        new TreeMap<>(Map.of("retries", -1L, "idleEvictions", -1L, "opened", -1L, "reused", -1L));
    if (variant.equals("fnclients")) {
      FnClientsMetrics metrics = FnClients.metrics();
      stats.put("retries", metrics.count(protocol, MetricNames.RETRIES));
      stats.put("idleEvictions", metrics.count(protocol, MetricNames.IDLE_EVICTIONS));
      stats.put("opened", metrics.count(protocol, MetricNames.CONNECTIONS_OPENED));
      stats.put("reused", metrics.count(protocol, MetricNames.CONNECTIONS_REUSED));
    } else if (protocol.equals("http")) {
      stats.put("retries", OKHTTP.retried.values().stream().mapToLong(LongAdder::sum).sum());
      OKHTTP.retried.forEach((method, n) -> stats.put("retried" + method, n.sum()));
      stats.put("opened", OKHTTP.opened.sum());
      stats.put("reused", OKHTTP.acquired.sum() - OKHTTP.opened.sum());
    }
    return stats.entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(" "));
  }

  private static Caller http(String variant, Duration timeout) {
    Supplier<OkHttpClient> plain =
        () -> new OkHttpClient.Builder().readTimeout(timeout).eventListener(OKHTTP).build();
    return switch (variant) {
      case "clientPerInvocation" ->
          (url, method) -> {
            OkHttpClient client = plain.get();
            try {
              send(client, url, method);
            } finally {
              client
                  .dispatcher()
                  .executorService()
                  .shutdown(); // what a tidy function does before returning
              client.connectionPool().evictAll();
            }
          };
      case "defaultShared" -> {
        OkHttpClient shared = plain.get();
        yield (url, method) -> send(shared, url, method);
      }
      case "fnclients" -> (url, method) -> send(FnClients.http(), url, method);
      default -> throw new IllegalArgumentException("variant " + variant);
    };
  }

  private static void send(OkHttpClient client, String url, String method) throws IOException {
    Request.Builder request = new Request.Builder().url(url);
    if (method.equals("POST")) {
      request.post(RequestBody.create("{\"item\":\"demo\"}", JSON));
    }
    try (Response response = client.newCall(request.build()).execute()) {
      if (response.code() != 200) {
        throw new IOException("HTTP " + response.code());
      }
      response.body().string();
    }
  }

  private static Caller grpc(String variant, Duration timeout) {
    // Per call: a deadline is a point in time, not a duration.
    Supplier<CallOptions> withDeadline =
        () -> CallOptions.DEFAULT.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
    Function<String, ManagedChannel> plain =
        target -> Grpc.newChannelBuilder(target, InsecureChannelCredentials.create()).build();
    return switch (variant) {
      case "clientPerInvocation" ->
          (target, method) -> {
            ManagedChannel channel = plain.apply(target);
            try {
              EchoGrpcServer.call(channel, EchoGrpcServer.SAY, "hi", withDeadline.get());
            } finally {
              channel.shutdown();
              if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
                channel.shutdownNow();
              }
            }
          };
      case "defaultShared" -> {
        Map<String, ManagedChannel> channels = new HashMap<>(); // the server's and the proxy's
        yield (target, method) ->
            EchoGrpcServer.call(
                channels.computeIfAbsent(target, plain),
                EchoGrpcServer.SAY,
                "hi",
                withDeadline.get());
      }
      case "fnclients" ->
          (target, method) ->
              EchoGrpcServer.call(
                  FnClients.grpc(target, PLAINTEXT), EchoGrpcServer.SAY, "hi", CallOptions.DEFAULT);
      default -> throw new IllegalArgumentException("variant " + variant);
    };
  }

  /**
   * What plain OkHttp clients do by themselves: connections opened and taken, silent retries by
   * method.
   */
  private static final class OkHttpCounts extends EventListener {
    final LongAdder opened = new LongAdder();
    final LongAdder acquired = new LongAdder();
    final Map<String, LongAdder> retried = new ConcurrentHashMap<>();

    @Override
    public void connectEnd(Call call, InetSocketAddress address, Proxy proxy, Protocol protocol) {
      opened.increment();
    }

    @Override
    public void connectionAcquired(Call call, Connection connection) {
      acquired.increment();
    }

    @Override
    public void retryDecision(Call call, IOException exception, boolean retry) {
      if (retry) {
        retried.computeIfAbsent(call.request().method(), m -> new LongAdder()).increment();
      }
    }
  }
}
