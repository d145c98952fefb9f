package dev.fnclients;

import com.google.api.core.ApiFuture;
import com.google.api.core.ApiFutureCallback;
import com.google.api.core.ApiFutures;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import com.google.pubsub.v1.PubsubMessage;
import dev.fnclients.pubsub.FnPublisher;
import dev.fnclients.pubsub.PublishNotConfirmedException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;

/**
 * A function instance in a child JVM that publishes without waiting: {@code PUBLISH <n>} on stdin
 * publishes n messages of about 100 bytes ({@code m<i> xxx...}, some ten to a batch) to the topic
 * given as first argument and prints {@code SENT <n>}. The platform's SIGTERM then finds messages
 * in flight.
 *
 * <p>Each future's outcome goes to byte i of the file given as second argument, mapped into memory
 * (see {@link #PENDING} and the other codes): a store into a shared mapping is in the file the
 * moment it is made, whenever the JVM exits, and costs the callback nothing. Printing a line per
 * future instead would make the callbacks wait on a pipe that a busy test JVM drains late, which
 * measures the test, not the publisher.
 */
public final class PublishingInstanceMain {
  static final byte PENDING = 0;
  static final byte CONFIRMED = 1;
  static final byte NOT_CONFIRMED_SENT = 2;
  static final byte NOT_CONFIRMED_UNSENT = 3;
  static final byte OTHER_FAILURE = 4;
  private static final String PADDING = " " + "x".repeat(90);

  public static void main(String[] args) throws Exception {
    FnPublisher publisher = FnClients.publisher(args[0]);
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    System.out.println("READY");
    for (String line; (line = in.readLine()) != null; ) {
      int n = Integer.parseInt(line.substring("PUBLISH ".length()));
      MappedByteBuffer outcomes;
      try (RandomAccessFile file = new RandomAccessFile(args[1], "rw")) {
        file.setLength(n);
        outcomes = file.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, n);
      }
      for (int i = 0; i < n; i++) {
        int index = i;
        ApiFuture<String> id =
            publisher.publish(
                PubsubMessage.newBuilder()
                    .setData(ByteString.copyFromUtf8("m" + i + PADDING))
                    .build());
        ApiFutures.addCallback(
            id,
            new ApiFutureCallback<String>() {
              @Override
              public void onSuccess(String messageId) {
                outcomes.put(index, CONFIRMED);
              }

              @Override
              public void onFailure(Throwable t) {
                if (t instanceof PublishNotConfirmedException p) {
                  outcomes.put(index, p.wasSent() ? NOT_CONFIRMED_SENT : NOT_CONFIRMED_UNSENT);
                } else {
                  outcomes.put(index, OTHER_FAILURE);
                  System.out.println("FAILED " + index + " " + t);
                }
              }
            },
            MoreExecutors.directExecutor());
      }
      System.out.println("SENT " + n);
    }
  }
}
