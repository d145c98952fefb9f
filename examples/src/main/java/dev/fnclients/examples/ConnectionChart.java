package dev.fnclients.examples;

import dev.fnclients.examples.FunctionLoad.Kind;
import dev.fnclients.examples.FunctionLoad.Outcome;
import dev.fnclients.examples.FunctionLoad.Sample;
import dev.fnclients.testkit.Svg;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Charts of connections accepted over time, from the per-second samples of {@link FunctionLoad}: an
 * ASCII plot for the terminal (plain ASCII, so that it prints the same under any locale) and an SVG
 * file.
 */
final class ConnectionChart {
  private static final int ROWS = 10;
  private static final String[] COLORS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd"};

  /** Wide to narrow, so that lines on top of one another (equal counts) all stay visible. */
  private static final double[] WIDTHS = {7, 5, 3, 1.5};

  private ConnectionChart() {}

  /**
   * An ASCII plot of the connections all four upstreams accepted (summed), one mark per function
   * per column ({@code P}, {@code N}, ...: the functions' initials; {@code *} where they meet).
   */
  static List<String> ascii(List<Outcome> outcomes) {
    double duration = outcomes.stream().mapToDouble(o -> last(o).seconds()).max().orElse(0);
    int columns = Math.min(60, Math.max(2, (int) Math.round(duration) + 1));
    int top = niceCeiling(outcomes.stream().mapToInt(o -> total(last(o))).max().orElse(0));
    char[][] grid = new char[ROWS + 1][columns];
    Arrays.stream(grid).forEach(row -> Arrays.fill(row, ' '));
    for (Outcome o : outcomes) {
      char mark = o.name().charAt(0);
      for (int c = 0; c < columns; c++) {
        double t = duration * c / (columns - 1);
        // The last sample taken at or before t (the first one if none).
        Sample at =
            o.samples().stream()
                .filter(s -> s.seconds() <= t + 0.25)
                .reduce((a, b) -> b)
                .orElse(o.samples().get(0));
        int row = (int) Math.round((double) total(at) / top * ROWS);
        grid[row][c] = grid[row][c] == ' ' || grid[row][c] == mark ? mark : '*';
      }
    }
    int labelWidth = Integer.toString(top).length();
    List<String> lines = new ArrayList<>();
    for (int row = ROWS; row >= 0; row--) {
      String label = row == ROWS ? "" + top : row == ROWS / 2 ? "" + top / 2 : row == 0 ? "0" : "";
      lines.add(
          String.format(Locale.ROOT, "%" + labelWidth + "s |%s", label, new String(grid[row]))
              .stripTrailing());
    }
    lines.add(" ".repeat(labelWidth) + " +" + "-".repeat(columns));
    String end = String.format(Locale.ROOT, "%.0f s", duration);
    lines.add(
        " ".repeat(labelWidth + 2)
            + "0 s"
            + " ".repeat(Math.max(1, columns - 3 - end.length()))
            + end);
    return lines;
  }

  /** Writes an SVG line chart: connections accepted over time, one line per function, upstream. */
  static void writeSvg(List<Outcome> outcomes, Path file) throws IOException {
    int left = 60;
    int right = 610;
    int top = 56;
    int bottom = 370;
    double duration =
        Math.max(
            1, Math.round(outcomes.stream().mapToDouble(o -> last(o).seconds()).max().orElse(1)));
    int max =
        outcomes.stream().flatMapToInt(o -> Arrays.stream(last(o).accepted())).max().orElse(0);
    Svg.Scale x = Svg.Scale.linear(duration, 4, left, right);
    Svg.Scale y = Svg.Scale.linear(niceCeiling(max), 4, bottom, top);
    Outcome first = outcomes.get(0);
    Svg svg =
        new Svg(900, 420, 12)
            .text(
                left,
                20,
                "Connections accepted by each upstream at "
                    + Svg.number(first.settings().ratePerSecond())
                    + " requests/s",
                "font-size=15")
            .text(
                left,
                36,
                "solid: "
                    + first.name()
                    + ", dashed: "
                    + (outcomes.size() > 1 ? outcomes.get(1).name() : "-")
                    + "; time from the start of the steady load, the instance's first request"
                    + " included in the counts",
                "fill=#555555")
            .yGrid(y, left, right, Svg::number)
            .xGrid(x, top, bottom, seconds -> Svg.number(seconds) + " s")
            .line(left, bottom, right, bottom, "stroke=black")
            .line(left, top, left, bottom, "stroke=black")
            .text(
                (left + right) / 2.0,
                410,
                "seconds since the steady load began",
                "text-anchor=middle");
    int legendY = top + 10;
    for (Outcome o : outcomes) {
      for (Kind kind : Kind.values()) {
        int k = kind.ordinal();
        String[] style = {
          "stroke=" + COLORS[k],
          "stroke-width=" + WIDTHS[k],
          o == first ? null : "stroke-dasharray=6 4"
        };
        List<double[]> points =
            o.samples().stream()
                .map(
                    s ->
                        new double[] {x.at(Math.min(duration, s.seconds())), y.at(s.accepted()[k])})
                .toList();
        svg.polyline(points, style)
            .line(right + 12, legendY, right + 36, legendY, style)
            .text(right + 42, legendY + 4, o.name() + " " + kind.label + ": " + o.accepted(kind));
        legendY += 20;
      }
      legendY += 10;
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, svg.toString());
  }

  private static Sample last(Outcome o) {
    return o.samples().get(o.samples().size() - 1);
  }

  private static int total(Sample s) {
    return Arrays.stream(s.accepted()).sum();
  }

  /** The smallest of 4, 8, 10, 20, 40, 60, 80, 100, 200, ... that is at least {@code n}. */
  private static int niceCeiling(int n) {
    for (long step = 1; ; step *= 10) {
      for (int m : new int[] {4, 8, 10, 20, 40, 60, 80}) {
        if (m * step >= n) {
          return (int) (m * step);
        }
      }
    }
  }
}
