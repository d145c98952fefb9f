package dev.fnclients.testkit;

import java.util.List;
import java.util.Locale;
import java.util.function.DoubleFunction;
import java.util.stream.IntStream;

/**
 * The SVG writer of every chart. Extra attributes are {@code name=value} strings, e.g. {@code
 * svg.text(12, 24, "Title", "font-weight=bold")}; a null one is left out.
 */
public final class Svg {
  private static final String GRID = "stroke=#dddddd";
  private static final String LABEL = "fill=#555555";

  private final StringBuilder out = new StringBuilder();

  /**
   * A white canvas of {@code width} by {@code height} pixels, text in sans-serif {@code fontSize}.
   */
  public Svg(int width, int height, int fontSize) {
    out.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%1$d\" height=\"%2$d\" viewBox=\"0 0"
                + " %1$d %2$d\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"%3$d\">%n",
            width,
            height,
            fontSize));
    rect(0, 0, width, height, "fill=#ffffff");
  }

  public Svg text(double x, double y, String text, String... attributes) {
    return element("text", text, attributes, "x", x, "y", y);
  }

  public Svg line(double x1, double y1, double x2, double y2, String... attributes) {
    return element("line", null, attributes, "x1", x1, "y1", y1, "x2", x2, "y2", y2);
  }

  public Svg rect(double x, double y, double width, double height, String... attributes) {
    return element("rect", null, attributes, "x", x, "y", y, "width", width, "height", height);
  }

  public Svg circle(double cx, double cy, double r, String... attributes) {
    return element("circle", null, attributes, "cx", cx, "cy", cy, "r", r);
  }

  /** A line through {@code points}, each {@code {x, y}}. */
  public Svg polyline(List<double[]> points, String... attributes) {
    StringBuilder d = new StringBuilder();
    for (double[] p : points) {
      d.append(d.length() == 0 ? "M" : " L").append(number(p[0])).append(' ').append(number(p[1]));
    }
    return element("path", null, attributes, "d", d.toString(), "fill", "none");
  }

  /** An ✕ of {@code 2 × half} pixels centred on {@code x, y}, as a mark for a failure. */
  public Svg cross(double x, double y, double half, String... attributes) {
    return polyline(
            List.of(new double[] {x - half, y - half}, new double[] {x + half, y + half}),
            attributes)
        .polyline(
            List.of(new double[] {x - half, y + half}, new double[] {x + half, y - half}),
            attributes);
  }

  /**
   * Vertical grid lines at {@code x}'s ticks from {@code top} to {@code bottom}, labelled below.
   */
  public Svg xGrid(Scale x, double top, double bottom, DoubleFunction<String> label) {
    for (double tick : x.ticks()) {
      line(x.at(tick), top, x.at(tick), bottom, GRID)
          .text(x.at(tick), bottom + 18, label.apply(tick), "text-anchor=middle", LABEL);
    }
    return this;
  }

  /**
   * Horizontal grid lines at {@code y}'s ticks from {@code left} to {@code right}, labelled left.
   */
  public Svg yGrid(Scale y, double left, double right, DoubleFunction<String> label) {
    for (double tick : y.ticks()) {
      line(left, y.at(tick), right, y.at(tick), GRID)
          .text(left - 6, y.at(tick) + 4, label.apply(tick), "text-anchor=end", LABEL);
    }
    return this;
  }

  @Override
  public String toString() {
    return out + "</svg>\n";
  }

  /**
   * Maps values to pixels: the first of the {@code ticks} (grid lines) to {@code from}, the last to
   * {@code to}.
   */
  public record Scale(List<Double> ticks, boolean log, double from, double to) {
    /** Whole decades covering {@code min} to {@code max} (both positive). */
    public static Scale log(double min, double max, double from, double to) {
      int lo = (int) Math.floor(Math.log10(min));
      int hi = Math.max(lo + 1, (int) Math.ceil(Math.log10(max)));
      return new Scale(
          IntStream.rangeClosed(lo, hi).mapToObj(d -> Math.pow(10, d)).toList(), true, from, to);
    }

    /** 0 to {@code max} in {@code steps} equal steps. */
    public static Scale linear(double max, int steps, double from, double to) {
      return new Scale(
          IntStream.rangeClosed(0, steps).mapToObj(i -> max * i / steps).toList(), false, from, to);
    }

    public double at(double value) {
      double first = position(ticks.get(0));
      double last = position(ticks.get(ticks.size() - 1));
      return from + (to - from) * (position(value) - first) / (last - first);
    }

    private double position(double value) {
      return log ? Math.log10(value) : value;
    }
  }

  private Svg element(String tag, String text, String[] attributes, Object... geometry) {
    out.append('<').append(tag);
    for (int i = 0; i < geometry.length; i += 2) {
      Object value = geometry[i + 1];
      attribute((String) geometry[i], value instanceof Double d ? number(d) : value.toString());
    }
    for (String a : attributes) {
      if (a != null) {
        attribute(a.substring(0, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
      }
    }
    out.append(text == null ? "/>\n" : ">" + escape(text) + "</" + tag + ">\n");
    return this;
  }

  private void attribute(String name, String value) {
    out.append(' ').append(name).append("=\"").append(escape(value)).append('"');
  }

  /** {@code v} as a whole number, or with one decimal. */
  public static String number(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
  }

  private static String escape(String text) {
    return text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
