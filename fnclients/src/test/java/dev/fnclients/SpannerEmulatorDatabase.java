package dev.fnclients;

import com.google.cloud.NoCredentials;
import com.google.cloud.spanner.DatabaseId;
import com.google.cloud.spanner.InstanceConfigId;
import com.google.cloud.spanner.InstanceId;
import com.google.cloud.spanner.InstanceInfo;
import com.google.cloud.spanner.Spanner;
import com.google.cloud.spanner.SpannerOptions;
import dev.fnclients.testkit.emulators.GoogleEmulator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An instance and a database with one table on a Spanner emulator, created the usual way for tests.
 */
final class SpannerEmulatorDatabase {
  static final String PROJECT = "fn-project";
  static final DatabaseId DATABASE = DatabaseId.of(PROJECT, "fn-instance", "fn-db");

  private SpannerEmulatorDatabase() {}

  /**
   * Creates the instance and the database with table {@code Items(Id INT64, Name STRING)} and one
   * row.
   */
  static void create(GoogleEmulator emulator) throws Exception {
    try (Spanner spanner = usualSpanner(emulator.hostPort())) {
      spanner
          .getInstanceAdminClient()
          .createInstance(
              InstanceInfo.newBuilder(
                      InstanceId.of(PROJECT, DATABASE.getInstanceId().getInstance()))
                  .setInstanceConfigId(InstanceConfigId.of(PROJECT, "emulator-config"))
                  .setDisplayName("fn")
                  .setNodeCount(1)
                  .build())
          .get(30, TimeUnit.SECONDS);
      spanner
          .getDatabaseAdminClient()
          .createDatabase(
              DATABASE.getInstanceId().getInstance(),
              DATABASE.getDatabase(),
              List.of("CREATE TABLE Items (Id INT64 NOT NULL, Name STRING(100)) PRIMARY KEY (Id)"))
          .get(30, TimeUnit.SECONDS);
      spanner
          .getDatabaseClient(DATABASE)
          .write(
              List.of(
                  com.google.cloud.spanner.Mutation.newInsertBuilder("Items")
                      .set("Id")
                      .to(1)
                      .set("Name")
                      .to("one")
                      .build()));
    }
  }

  /**
   * A Spanner client built the usual way (its own channel pool) for the emulator at {@code
   * hostPort}.
   */
  static Spanner usualSpanner(String hostPort) {
    return usualOptions(hostPort).build().getService();
  }

  /** The usual options for the emulator at {@code hostPort}. */
  static SpannerOptions.Builder usualOptions(String hostPort) {
    return SpannerOptions.newBuilder()
        .setProjectId(PROJECT)
        .setEmulatorHost(hostPort)
        .setCredentials(NoCredentials.getInstance())
        .setBuiltInMetricsEnabled(false);
  }
}
