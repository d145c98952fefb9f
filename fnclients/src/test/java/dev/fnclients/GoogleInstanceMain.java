package dev.fnclients;

import com.google.api.gax.core.BackgroundResource;
import com.google.cloud.firestore.Firestore;
import com.google.cloud.language.v1.LanguageServiceClient;
import com.google.cloud.language.v1.LanguageServiceSettings;
import com.google.cloud.secretmanager.v1.SecretManagerServiceClient;
import com.google.cloud.spanner.ResultSet;
import com.google.cloud.spanner.SessionMaintenance;
import com.google.cloud.spanner.Spanner;
import com.google.cloud.spanner.SpannerOptions;
import com.google.cloud.spanner.Statement;
import dev.fnclients.google.GoogleConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A function instance in a child JVM calling four Google services: each line {@code SECRET}, {@code
 * LANGUAGE}, {@code SPANNER} or {@code FIRESTORE} on stdin is one invocation, answered {@code OK
 * <ms>} or {@code FAIL <ms> <exception>} ({@code FAIL <ms> hung} past 5 s, 30 s for a kind's first
 * call, which builds its client). The first argument picks the clients: {@code fnclients} ({@code
 * FnClients.google} and shared slots over FnClients' channels) or {@code default} (global clients
 * built the usual way). Targets come from the environment: {@code SECRET_TARGET}, {@code
 * LANGUAGE_TARGET}, {@code SPANNER_TARGET}, {@code FIRESTORE_TARGET}. Spanner's session upkeep is
 * shortened to a 200 ms loop replacing sessions older than 500 ms; {@code SESSIONS} answers {@code
 * SESSIONS <n>}, the sessions Spanner has created over FnClients' channel. On SIGTERM it prints
 * {@code CLOSED <in time> <ms> secret=<shut down> language=<shut down> spanner=<closed>
 * firestore=<closed>}.
 */
public final class GoogleInstanceMain {
  private static final Duration HUNG = Duration.ofSeconds(5);

  /** A kind's first call also loads and builds its client: allowed longer on a loaded machine. */
  private static final Duration COLD = Duration.ofSeconds(30);

  private static volatile SecretManagerServiceClient pooledSecrets;
  private static volatile LanguageServiceClient pooledLanguage;
  private static volatile Spanner pooledSpanner;
  private static volatile Firestore pooledFirestore;
  private static BackgroundResource usualSecrets;
  private static BackgroundResource usualLanguage;
  private static Spanner usualSpanner;
  private static Firestore usualFirestore;

  public static void main(String[] args) throws Exception {
    boolean pooled = args[0].equals("fnclients");
    String secretTarget = System.getenv("SECRET_TARGET");
    String languageTarget = System.getenv("LANGUAGE_TARGET");
    String spannerTarget = System.getenv("SPANNER_TARGET");
    String firestoreTarget = System.getenv("FIRESTORE_TARGET");
    if (pooled) {
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    long start = System.nanoTime();
                    boolean inTime = FnClients.shutdown(); // waits for the hook FnClients installed
                    System.out.println(
                        "CLOSED "
                            + inTime
                            + " "
                            + (System.nanoTime() - start) / 1_000_000
                            + " secret="
                            + pooledSecrets.isShutdown()
                            + " language="
                            + pooledLanguage.isShutdown()
                            + " spanner="
                            + pooledSpanner.isClosed()
                            + " firestore="
                            + firestoreClosed());
                    System.out.flush();
                  }));
    }
    ExecutorService invocations =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "invocation");
              t.setDaemon(true);
              return t;
            });
    // Counts the calls FnClients' channels carry, to see Spanner's session upkeep run.
    io.micrometer.core.instrument.simple.SimpleMeterRegistry calls =
        new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    FnClients.metrics().bindTo(calls);
    java.util.Set<String> warm = new java.util.HashSet<>();
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    System.out.println("READY");
    for (String line; (line = in.readLine()) != null; ) {
      Callable<String> call =
          switch (line) {
            case "SECRET" ->
                () ->
                    answered(
                        GapicKind.SECRET_MANAGER,
                        pooled ? secrets(secretTarget) : usualSecrets(secretTarget));
            case "LANGUAGE" ->
                () ->
                    answered(
                        GapicKind.LANGUAGE,
                        pooled ? language(languageTarget) : usualLanguage(languageTarget));
            case "SPANNER" ->
                () -> query(pooled ? spanner(spannerTarget) : usualSpanner(spannerTarget));
            case "FIRESTORE" ->
                () ->
                    String.valueOf(
                        (pooled ? firestore(firestoreTarget) : usualFirestore(firestoreTarget))
                            .collection("items")
                            .document("one")
                            .get()
                            .get()
                            .exists());
            default -> null;
          };
      if (line.equals("SESSIONS")) {
        System.out.println(
            "SESSIONS "
                + (long)
                    calls
                        .find("grpc.client.requests.sent")
                        .tag("method", "CreateSession")
                        .counters()
                        .stream()
                        .mapToDouble(io.micrometer.core.instrument.Counter::count)
                        .sum());
        continue;
      }
      if (call == null) {
        System.out.println("UNKNOWN " + line);
        continue;
      }
      long start = System.nanoTime();
      Future<String> result = invocations.submit(call);
      try {
        result.get((warm.add(line) ? COLD : HUNG).toMillis(), TimeUnit.MILLISECONDS);
        System.out.println("OK " + (System.nanoTime() - start) / 1_000_000);
      } catch (TimeoutException e) {
        result.cancel(true);
        invocations = Executors.newSingleThreadExecutor(); // the stuck one keeps its thread
        System.out.println("FAIL " + (System.nanoTime() - start) / 1_000_000 + " hung");
      } catch (Exception e) {
        System.out.println("FAIL " + (System.nanoTime() - start) / 1_000_000 + " " + e.getCause());
      }
    }
  }

  static SecretManagerServiceClient secrets(String target) {
    return pooledSecrets =
        FnClients.google(
            SecretManagerServiceClient.class,
            null,
            GoogleConfig.custom().emulatorHost(target).build());
  }

  /** One call of {@code kind}'s method; a wrong answer fails the invocation. */
  private static String answered(GapicKind kind, BackgroundResource client) {
    String answer = kind.invoke(client);
    if (!answer.equals(kind.answer)) {
      throw new IllegalStateException("unexpected answer: " + answer);
    }
    return answer;
  }

  /** Natural Language as function code would write it, with a settings builder of its own. */
  static LanguageServiceClient language(String target) {
    return pooledLanguage =
        FnClients.google(
            LanguageServiceClient.class,
            LanguageServiceSettings::newBuilder,
            GoogleConfig.custom().emulatorHost(target).build());
  }

  static Spanner spanner(String target) {
    return pooledSpanner =
        FnClients.shared(
            Spanner.class,
            () ->
                SpannerOptions.newBuilder()
                    .setProjectId(SpannerEmulatorDatabase.PROJECT)
                    .setEmulatorHost(target)
                    .setBuiltInMetricsEnabled(false)
                    .setSessionPoolOption(
                        SessionMaintenance.every(Duration.ofMillis(200), Duration.ofMillis(500)))
                    .setChannelProvider(
                        FnClients.googleChannelProvider(
                            GoogleConfig.custom().emulatorHost(target).build()))
                    .build()
                    .getService());
  }

  static Firestore firestore(String target) {
    return pooledFirestore =
        FnClients.shared(
            Firestore.class,
            () ->
                FirestoreSharedSlotTest.options(target, FnClients.googleChannelConfigurator())
                    .build()
                    .getService());
  }

  private static String firestoreClosed() {
    try {
      pooledFirestore.collection("items").document("one").get().get(1, TimeUnit.SECONDS);
      return "false";
    } catch (Exception e) {
      return String.valueOf(
          String.valueOf(e).contains("closed") || String.valueOf(e.getCause()).contains("closed"));
    }
  }

  private static synchronized BackgroundResource usualSecrets(String target) throws Exception {
    if (usualSecrets == null) {
      usualSecrets = GapicKind.SECRET_MANAGER.usual(target);
    }
    return usualSecrets;
  }

  private static synchronized BackgroundResource usualLanguage(String target) throws Exception {
    if (usualLanguage == null) {
      usualLanguage = GapicKind.LANGUAGE.usual(target);
    }
    return usualLanguage;
  }

  private static synchronized Spanner usualSpanner(String target) {
    if (usualSpanner == null) {
      usualSpanner =
          SpannerEmulatorDatabase.usualOptions(target)
              .setSessionPoolOption(
                  SessionMaintenance.every(Duration.ofMillis(200), Duration.ofMillis(500)))
              .build()
              .getService();
    }
    return usualSpanner;
  }

  private static synchronized Firestore usualFirestore(String target) {
    if (usualFirestore == null) {
      usualFirestore = FirestoreSharedSlotTest.options(target, null).build().getService();
    }
    return usualFirestore;
  }

  private static String query(Spanner spanner) {
    try (ResultSet rs =
        spanner
            .getDatabaseClient(SpannerEmulatorDatabase.DATABASE)
            .singleUse()
            .executeQuery(Statement.of("SELECT Name FROM Items WHERE Id = 1"))) {
      return rs.next() ? rs.getString(0) : null;
    }
  }
}
