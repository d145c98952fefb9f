package dev.fnclients.testkit.google;

import com.google.cloud.language.v1.AnalyzeSentimentRequest;
import com.google.cloud.language.v1.AnalyzeSentimentResponse;
import com.google.cloud.language.v1.LanguageServiceGrpc;
import com.google.cloud.language.v1.Sentiment;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.Locale;
import java.util.Set;

/**
 * Cloud Natural Language's {@code AnalyzeSentiment} on loopback, from the generated stub, for the
 * real {@code google-cloud-language} client (other methods: {@code UNIMPLEMENTED}). A checkable
 * sentiment: each word of {@link #POSITIVE} counts +1, of {@link #NEGATIVE} -1; the magnitude is
 * the number of such words, the score their sum divided by it (0 when there is none).
 */
public final class LoopbackLanguageServer extends LoopbackGoogleServer {
  /** Words that count +1. */
  public static final Set<String> POSITIVE = Set.of("good", "great", "fine");

  /** Words that count -1. */
  public static final Set<String> NEGATIVE = Set.of("bad", "awful", "poor");

  private LoopbackLanguageServer() throws IOException {
    serve(
        new LanguageServiceGrpc.LanguageServiceImplBase() {
          @Override
          public void analyzeSentiment(
              AnalyzeSentimentRequest request, StreamObserver<AnalyzeSentimentResponse> response) {
            if (!failedAsAsked(response)) {
              reply(
                  response,
                  AnalyzeSentimentResponse.newBuilder()
                      .setDocumentSentiment(sentiment(request.getDocument().getContent()))
                      .setLanguage("en")
                      .build());
            }
          }
        }.bindService());
  }

  /** Starts a server on an ephemeral loopback port. */
  public static LoopbackLanguageServer start() throws IOException {
    return new LoopbackLanguageServer();
  }

  private static Sentiment sentiment(String text) {
    int sum = 0;
    int magnitude = 0;
    for (String word : text.toLowerCase(Locale.ROOT).split("[^a-z]+")) {
      int value = POSITIVE.contains(word) ? 1 : NEGATIVE.contains(word) ? -1 : 0;
      sum += value;
      magnitude += Math.abs(value);
    }
    return Sentiment.newBuilder()
        .setScore(magnitude == 0 ? 0 : (float) sum / magnitude)
        .setMagnitude(magnitude)
        .build();
  }
}
