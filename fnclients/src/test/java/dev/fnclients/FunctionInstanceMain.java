package dev.fnclients;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * A function instance in a child JVM: each line {@code GET <url>} on stdin is one invocation, answered
 * on stdout with {@code OK <ms>} or {@code FAIL <ms> <exception>}. The argument picks the client:
 * {@code fnclients} for {@link FnClients#http()}, {@code default} for a shared default OkHttpClient.
 */
public final class FunctionInstanceMain {
  public static void main(String[] args) throws Exception {
    boolean pooled = args.length == 0 || args[0].equals("fnclients");
    OkHttpClient defaultClient = pooled ? null : new OkHttpClient.Builder().readTimeout(Duration.ofSeconds(3)).build();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    System.out.println("READY");
    for (String line; (line = in.readLine()) != null; ) {
      if (line.equals("STATS")) {
        System.out.println("STATS " + FnClients.metrics().transport("http"));
        continue;
      }
      OkHttpClient client = pooled ? FnClients.http() : defaultClient;
      long start = System.nanoTime();
      try (Response response = client.newCall(new Request.Builder().url(line.substring(4)).build()).execute()) {
        response.body().string();
        System.out.println("OK " + (System.nanoTime() - start) / 1_000_000 + (pooled ? " " + FnClients.metrics().transport("http") : ""));
      } catch (Exception e) {
        System.out.println("FAIL " + (System.nanoTime() - start) / 1_000_000 + " " + e);
      }
    }
  }
}
