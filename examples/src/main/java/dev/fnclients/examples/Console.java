package dev.fnclients.examples;

import java.io.PrintStream;
import java.util.List;

/** The demos' terminal output: paragraphs wrapped at about 120 columns, and tables. */
final class Console {
  static final PrintStream OUT = System.out;

  private Console() {}

  /** Prints {@code text} wrapped at about 120 columns, continuation lines indented two more. */
  static void wrapped(String indent, String text) {
    StringBuilder line = new StringBuilder(indent);
    for (String word : text.split(" ")) {
      if (line.length() + word.length() + 1 > 120 && !line.toString().isBlank()) {
        OUT.println(line.toString().stripTrailing());
        line = new StringBuilder(indent + "  ");
      }
      line.append(word).append(' ');
    }
    OUT.println(line.toString().stripTrailing());
  }

  /**
   * Prints rows as columns: the first left-aligned, the others right-aligned, the last one as it is
   * if {@code freeLast} (free text).
   */
  static void table(List<String[]> rows, boolean freeLast) {
    int columns = rows.get(0).length;
    int[] widths = new int[columns];
    rows.forEach(row -> {
      for (int c = 0; c < columns; c++) {
        widths[c] = Math.max(widths[c], row[c].length());
      }
    });
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder(" ");
      for (int c = 0; c < columns; c++) {
        boolean free = freeLast && c == columns - 1;
        line.append("  ").append(free ? row[c] : String.format("%" + (c == 0 ? "-" : "") + widths[c] + "s", row[c]));
      }
      OUT.println(line.toString().stripTrailing());
    }
  }
}
