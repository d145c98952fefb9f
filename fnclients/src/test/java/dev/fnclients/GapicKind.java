package dev.fnclients;

import com.google.api.gax.core.BackgroundResource;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.InstantiatingGrpcChannelProvider;
import com.google.api.gax.rpc.ClientSettings;
import com.google.api.gax.rpc.UnaryCallSettings;
import com.google.cloud.language.v1.Document;
import com.google.cloud.language.v1.LanguageServiceClient;
import com.google.cloud.language.v1.LanguageServiceSettings;
import com.google.cloud.language.v1.Sentiment;
import com.google.cloud.secretmanager.v1.SecretManagerServiceClient;
import com.google.cloud.secretmanager.v1.SecretManagerServiceSettings;
import dev.fnclients.testkit.google.LoopbackGoogleServer;
import dev.fnclients.testkit.google.LoopbackLanguageServer;
import dev.fnclients.testkit.google.LoopbackSecretManagerServer;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;

/**
 * The GAPIC clients the fnclients-google tests drive, each the real Google client library against
 * its loopback server from the testkit: what differs between them (the client and settings classes,
 * the one method called and the answer it must give), so that every test runs unchanged on each.
 */
enum GapicKind {
  SECRET_MANAGER(
      SecretManagerServiceClient.class, "AccessSecretVersion", "value-of " + GapicKind.SECRET) {
    @Override
    LoopbackGoogleServer startServer() throws IOException {
      return LoopbackSecretManagerServer.start();
    }

    @Override
    SecretManagerServiceSettings.Builder settings() {
      return SecretManagerServiceSettings.newBuilder();
    }

    @Override
    UnaryCallSettings.Builder<?, ?> callSettings(ClientSettings.Builder<?, ?> settings) {
      return ((SecretManagerServiceSettings.Builder) settings).accessSecretVersionSettings();
    }

    @Override
    BackgroundResource create(ClientSettings<?> settings) throws IOException {
      return SecretManagerServiceClient.create((SecretManagerServiceSettings) settings);
    }

    @Override
    String invoke(BackgroundResource client) {
      return ((SecretManagerServiceClient) client)
          .accessSecretVersion(SECRET)
          .getPayload()
          .getData()
          .toStringUtf8();
    }
  },

  /** Natural Language, the platform's own example beside Spanner. */
  LANGUAGE(LanguageServiceClient.class, "AnalyzeSentiment", "score 0.5 magnitude 4.0") {
    @Override
    LoopbackGoogleServer startServer() throws IOException {
      return LoopbackLanguageServer.start();
    }

    @Override
    LanguageServiceSettings.Builder settings() {
      return LanguageServiceSettings.newBuilder();
    }

    @Override
    UnaryCallSettings.Builder<?, ?> callSettings(ClientSettings.Builder<?, ?> settings) {
      return ((LanguageServiceSettings.Builder) settings).analyzeSentimentSettings();
    }

    @Override
    BackgroundResource create(ClientSettings<?> settings) throws IOException {
      return LanguageServiceClient.create((LanguageServiceSettings) settings);
    }

    @Override
    String invoke(BackgroundResource client) {
      // Three positive words and one negative: score (3 - 1) / 4, magnitude 4.
      Sentiment sentiment =
          ((LanguageServiceClient) client)
              .analyzeSentiment(
                  Document.newBuilder()
                      .setType(Document.Type.PLAIN_TEXT)
                      .setContent("A good, great, fine day with one bad hour")
                      .build())
              .getDocumentSentiment();
      return "score " + sentiment.getScore() + " magnitude " + sentiment.getMagnitude();
    }
  };

  /** The secret {@link #SECRET_MANAGER} reads. */
  static final String SECRET = "projects/fn-project/secrets/api-key/versions/latest";

  /** The client class, as passed to {@code FnClients.google}. */
  final Class<? extends BackgroundResource> client;

  /** The gRPC method {@link #invoke} calls, as Micrometer's {@code method} tag names it. */
  final String method;

  /** What {@link #invoke} returns when the server answered. */
  final String answer;

  GapicKind(Class<? extends BackgroundResource> client, String method, String answer) {
    this.client = client;
    this.method = method;
    this.answer = answer;
  }

  /** Starts the kind's loopback server on a free port. */
  abstract LoopbackGoogleServer startServer() throws IOException;

  /** A new settings builder with the library's defaults. */
  abstract ClientSettings.Builder<?, ?> settings();

  /** The settings, in {@code settings}, of the method {@link #invoke} calls. */
  abstract UnaryCallSettings.Builder<?, ?> callSettings(ClientSettings.Builder<?, ?> settings);

  /** {@code XClient.create(settings)}. */
  abstract BackgroundResource create(ClientSettings<?> settings) throws IOException;

  /** One invocation: calls the method on {@code client}, returns the answer as text. */
  abstract String invoke(BackgroundResource client);

  /**
   * A client built the usual way, with a channel of its own to {@code target} (plaintext, no
   * credentials, as for an emulator).
   */
  BackgroundResource usual(String target) throws IOException {
    ClientSettings.Builder<?, ?> settings = settings();
    settings.setEndpoint(target);
    settings.setCredentialsProvider(NoCredentialsProvider.create());
    settings.setTransportChannelProvider(
        InstantiatingGrpcChannelProvider.newBuilder()
            .setChannelConfigurator(ManagedChannelBuilder::usePlaintext)
            .build());
    return create(settings.build());
  }
}
