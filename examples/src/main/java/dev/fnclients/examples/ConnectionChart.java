package dev.fnclients.examples;

import dev.fnclients.examples.FunctionLoad.Outcome;
import dev.fnclients.examples.FunctionLoad.Sample;
import dev.fnclients.examples.Upstreams.Kind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Charts of connections accepted over time, from the per-second samples of {@link FunctionLoad}:
 * an ASCII plot for the terminal (plain ASCII, so that it prints the same under any locale) and
 * an SVG file.
 */
final class ConnectionChart {
  private static final int ASCII_ROWS = 10;
  private static final int ASCII_MAX_COLUMNS = 60;
  private static final String[] COLORS = {"#1f77b4", "#ff7f0e", "#2ca02c"};
  /** Wide to narrow, so that lines on top of one another (equal counts) all stay visible. */
  private static final double[] WIDTHS = {6, 3.5, 1.5};

  private ConnectionChart() {}

  /**
   * An ASCII plot of the connections all three upstreams accepted (summed), one mark per function
   * per column ({@code P}, {@code N}, ...: the functions' initials; {@code *} where they meet).
   */
  static List<String> ascii(List<Outcome> outcomes) {
    double duration = outcomes.stream().mapToDouble(o -> last(o.samples()).seconds()).max().orElse(0);
    int columns = Math.min(ASCII_MAX_COLUMNS, Math.max(2, (int) Math.round(duration) + 1));
    int max = outcomes.stream().mapToInt(o -> total(last(o.samples()).accepted())).max().orElse(0);
    int top = Math.max(1, niceCeiling(max));
    char[][] grid = new char[ASCII_ROWS + 1][columns];
    for (char[] row : grid) {
      java.util.Arrays.fill(row, ' ');
    }
    for (Outcome o : outcomes) {
      char mark = o.name().charAt(0);
      for (int c = 0; c < columns; c++) {
        double t = duration * c / (columns - 1);
        int value = total(at(o.samples(), t).accepted());
        int row = (int) Math.round((double) value / top * ASCII_ROWS);
        grid[row][c] = grid[row][c] == ' ' || grid[row][c] == mark ? mark : '*';
      }
    }
    int labelWidth = Integer.toString(top).length();
    List<String> lines = new ArrayList<>();
    for (int row = ASCII_ROWS; row >= 0; row--) {
      String label =
          row == ASCII_ROWS ? Integer.toString(top) : row == ASCII_ROWS / 2 ? Integer.toString(top / 2) : row == 0 ? "0" : "";
      lines.add(String.format(Locale.ROOT, "%" + labelWidth + "s |%s", label, new String(grid[row])).stripTrailing());
    }
    lines.add(" ".repeat(labelWidth) + " +" + "-".repeat(columns));
    String start = "0 s";
    String end = String.format(Locale.ROOT, "%.0f s", duration);
    lines.add(" ".repeat(labelWidth + 2) + start + " ".repeat(Math.max(1, columns - start.length() - end.length())) + end);
    return lines;
  }

  /** Writes an SVG line chart: connections accepted over time, one line per function and upstream. */
  static void writeSvg(List<Outcome> outcomes, Path file) throws IOException {
    int width = 900;
    int height = 420;
    int left = 60;
    int right = 290;
    int topMargin = 56;
    int bottom = 50;
    int plotW = width - left - right;
    int plotH = height - topMargin - bottom;
    double duration =
        Math.max(1, Math.round(outcomes.stream().mapToDouble(o -> last(o.samples()).seconds()).max().orElse(1)));
    int max = 0;
    for (Outcome o : outcomes) {
      for (int v : last(o.samples()).accepted()) {
        max = Math.max(max, v);
      }
    }
    int top = Math.max(1, niceCeiling(max));

    StringBuilder svg = new StringBuilder();
    svg.append(String.format(Locale.ROOT,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
            + "font-family=\"sans-serif\" font-size=\"12\">%n", width, height, width, height));
    svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    svg.append(String.format(Locale.ROOT,
        "<text x=\"%d\" y=\"20\" font-size=\"15\">Connections accepted by each upstream at %s requests/s</text>%n",
        left, trim(outcomes.get(0).settings().ratePerSecond())));
    svg.append(String.format(Locale.ROOT,
        "<text x=\"%d\" y=\"36\" fill=\"#555\">solid: %s, dashed: %s; time from the start of the steady load, "
            + "the instance's first request included in the counts</text>%n",
        left, outcomes.get(0).name(), outcomes.size() > 1 ? outcomes.get(1).name() : "-"));
    // axes, grid and labels
    for (int i = 0; i <= 4; i++) {
      int y = topMargin + plotH - plotH * i / 4;
      svg.append(String.format(Locale.ROOT,
          "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>%n", left, y, left + plotW, y));
      svg.append(String.format(Locale.ROOT,
          "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%d</text>%n", left - 6, y + 4, top * i / 4));
    }
    for (int i = 0; i <= 4; i++) {
      int x = left + plotW * i / 4;
      svg.append(String.format(Locale.ROOT,
          "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s s</text>%n", x, topMargin + plotH + 18, trim(duration * i / 4)));
    }
    svg.append(String.format(Locale.ROOT,
        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", left, topMargin + plotH, left + plotW, topMargin + plotH));
    svg.append(String.format(Locale.ROOT,
        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", left, topMargin, left, topMargin + plotH));
    svg.append(String.format(Locale.ROOT,
        "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">seconds since the steady load began</text>%n",
        left + plotW / 2, height - 10));

    int legendY = topMargin + 10;
    for (int f = 0; f < outcomes.size(); f++) {
      Outcome o = outcomes.get(f);
      String dash = f == 0 ? "" : " stroke-dasharray=\"6 4\"";
      for (Kind kind : Kind.values()) {
        StringBuilder points = new StringBuilder();
        for (Sample s : o.samples()) {
          double x = left + plotW * Math.min(1, s.seconds() / duration);
          double y = topMargin + plotH - plotH * (double) s.accepted()[kind.ordinal()] / top;
          points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
        }
        String color = COLORS[kind.ordinal()];
        double strokeWidth = WIDTHS[kind.ordinal()];
        svg.append(String.format(Locale.ROOT,
            "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\"%s points=\"%s\"/>%n",
            color, strokeWidth, dash, points.toString().strip()));
        svg.append(String.format(Locale.ROOT,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"%.1f\"%s/>%n",
            left + plotW + 12, legendY, left + plotW + 36, legendY, color, strokeWidth, dash));
        svg.append(String.format(Locale.ROOT,
            "<text x=\"%d\" y=\"%d\">%s %s: %d</text>%n",
            left + plotW + 42, legendY + 4, o.name(), kind.label, o.accepted(kind)));
        legendY += 20;
      }
      legendY += 10;
    }
    svg.append("</svg>\n");
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, svg, StandardCharsets.UTF_8);
  }

  private static String trim(double value) {
    return value == Math.rint(value) ? Long.toString((long) value) : String.format(Locale.ROOT, "%.1f", value);
  }

  private static Sample last(List<Sample> samples) {
    return samples.get(samples.size() - 1);
  }

  /** The last sample taken at or before {@code seconds} (the first one if none). */
  private static Sample at(List<Sample> samples, double seconds) {
    Sample found = samples.get(0);
    for (Sample s : samples) {
      if (s.seconds() <= seconds + 0.25) {
        found = s;
      }
    }
    return found;
  }

  private static int total(int[] counts) {
    int sum = 0;
    for (int c : counts) {
      sum += c;
    }
    return sum;
  }

  /** The smallest of 4, 8, 10, 20, 40, 60, 80, 100, 200, ... (a multiple of 4 from 4 on) that is at least {@code n}. */
  private static int niceCeiling(int n) {
    if (n <= 4) {
      return 4;
    }
    long step = 1;
    while (true) {
      for (int m : new int[] {8, 10, 20, 40, 60, 80}) {
        if (m * step >= n) {
          return (int) (m * step);
        }
      }
      step *= 10;
    }
  }
}
