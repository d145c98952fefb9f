package dev.fnclients.pool.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fnclients.pool.MetricNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's settings and metrics tables list what the code accepts and exports. */
class ReadmeTablesTest {
  private static String readme() throws IOException {
    return Files.readString(Path.of("..", "README.md"));
  }

  @Test
  void everySettingIsListedWithItsVariablePropertyAndRange() throws IOException {
    String readme = readme();
    for (Setting<?> setting : Settings.ALL) {
      assertThat(readme)
          .as(setting.name())
          .contains("| `" + setting.name() + "` | `" + setting.envVar() + "` | `" + setting.property() + "` |")
          .contains("| " + setting.range() + " |");
    }
  }

  @Test
  void everyMeterIsListedWithItsTags() throws IOException {
    String readme = readme();
    for (MetricNames name : MetricNames.values()) {
      assertThat(readme).as(name.name()).contains("| `" + name.meterName() + "` |");
      String[] tags = name.tags();
      for (int i = 0; i < tags.length; i += 2) {
        assertThat(readme).as(name.name()).contains(tags[i] + "=").contains(tags[i + 1]);
      }
    }
    assertThat(readme).contains("`" + MetricNames.HTTP_REQUESTS + "`").contains("`" + MetricNames.PUBSUB_FLUSH + "`");
  }
}
