/**
 * FnClients' HTTP transport: one idle-safe, capped OkHttp client per function instance. Users see
 * {@code dev.fnclients.http} (its exceptions); the client itself is an {@code okhttp3.OkHttpClient}
 * from {@code FnClients.http()}. {@code dev.fnclients.http.spi} builds it for the facade and is not
 * for users.
 */
module dev.fnclients.http {
  requires transitive dev.fnclients.core;
  requires transitive okhttp3;

  exports dev.fnclients.http;
  exports dev.fnclients.http.spi to
      dev.fnclients;
}
