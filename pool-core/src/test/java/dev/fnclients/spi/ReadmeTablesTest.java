package dev.fnclients.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fnclients.pool.MetricNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The README's settings and metrics tables list what the code declares, accepts and exports. */
class ReadmeTablesTest {
  private static String readme() throws IOException {
    return Files.readString(Path.of("..", "README.md"));
  }

  /**
   * The rows of the Settings table, by environment variable: setting, variable, property, default,
   * range, what.
   */
  private static Map<String, String[]> settingsRows() throws IOException {
    String readme = readme();
    String section =
        readme.substring(readme.indexOf("\n## Settings\n"), readme.indexOf("\n## Metrics\n"));
    Map<String, String[]> rows = new LinkedHashMap<>();
    for (String line : section.split("\n")) {
      if (line.startsWith("| `") && line.contains("| `FNCLIENTS_")) {
        String[] cells = line.substring(1, line.length() - 1).split(" \\| ", -1);
        String[] trimmed = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
          trimmed[i] = cells[i].trim();
        }
        assertThat(rows.put(trimmed[1], trimmed)).as("row listed twice: " + line).isNull();
      }
    }
    return rows;
  }

  @Test
  void everyDeclaredSettingHasOneRowWithItsNameVariablePropertyDefaultAndRange()
      throws IOException {
    Map<String, String[]> rows = settingsRows();
    for (Setting<?> setting : Settings.ALL) {
      String[] row = rows.get("`" + setting.envVar() + "`");
      assertThat(row).as("README row for " + setting.envVar()).isNotNull();
      assertThat(row[0]).as(setting.label()).isEqualTo("`" + setting.label() + "`");
      assertThat(row[2]).as(setting.label()).isEqualTo("`" + setting.property() + "`");
      assertThat(row[3]).as(setting.label() + " default").startsWith(setting.defaultText());
      assertThat(row[4]).as(setting.label() + " range").isEqualTo(setting.range());
    }
  }

  @Test
  void everyRowIsADeclaredSetting() throws IOException {
    List<String> declared = new ArrayList<>();
    for (Setting<?> setting : Settings.ALL) {
      declared.add("`" + setting.envVar() + "`");
    }
    assertThat(settingsRows().keySet()).containsExactlyElementsOf(declared);
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
    for (String timer : MetricNames.BINDER_METERS) {
      assertThat(readme).as(timer).contains("`" + timer + "`");
    }
  }
}
