package com.example;

import com.google.cloud.functions.HttpFunction;
import com.google.cloud.functions.HttpRequest;
import com.google.cloud.functions.HttpResponse;
import dev.fnclients.FnClients;
import okhttp3.Request;
import okhttp3.Response;

public class Inventory implements HttpFunction {
  private static final String ITEMS_URL =
      System.getenv().getOrDefault("ITEMS_URL", "https://api.example.com/items");

  @Override
  public void service(HttpRequest request, HttpResponse response) throws Exception {
    Request upstream = new Request.Builder().url(ITEMS_URL).build();
    try (Response r = FnClients.http().newCall(upstream).execute()) { // always close responses
      response.setStatusCode(r.code());
      response.getWriter().write(r.body().string());
    }
  }
}
