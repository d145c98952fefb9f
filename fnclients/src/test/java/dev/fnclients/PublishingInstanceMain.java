package dev.fnclients;

import com.google.api.core.ApiFuture;
import com.google.api.core.ApiFutureCallback;
import com.google.api.core.ApiFutures;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import com.google.pubsub.v1.PubsubMessage;
import dev.fnclients.pubsub.FnPublisher;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * A function instance in a child JVM that publishes without waiting: {@code PUBLISH <n>} on stdin
 * publishes n messages to the topic given as argument and prints {@code SENT <n>}; each future, when
 * it completes, prints {@code ACK <i> <id>} or {@code NACK <i> <exception>}. The platform's SIGTERM
 * then finds messages in flight.
 */
public final class PublishingInstanceMain {
  public static void main(String[] args) throws Exception {
    FnPublisher publisher = FnClients.publisher(args[0]);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    System.out.println("READY");
    for (String line; (line = in.readLine()) != null; ) {
      int n = Integer.parseInt(line.substring("PUBLISH ".length()));
      for (int i = 0; i < n; i++) {
        int index = i;
        ApiFuture<String> id = publisher.publish(PubsubMessage.newBuilder().setData(ByteString.copyFromUtf8("m" + i)).build());
        ApiFutures.addCallback(id, new ApiFutureCallback<String>() {
          @Override
          public void onSuccess(String messageId) {
            System.out.println("ACK " + index + " " + messageId);
          }

          @Override
          public void onFailure(Throwable t) {
            System.out.println("NACK " + index + " " + t.getClass().getSimpleName());
          }
        }, MoreExecutors.directExecutor());
      }
      System.out.println("SENT " + n);
    }
  }
}
