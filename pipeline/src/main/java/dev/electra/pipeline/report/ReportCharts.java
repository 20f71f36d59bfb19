package dev.electra.pipeline.report;

import dev.electra.pipeline.report.AblationReport.ObjectiveResult;
import dev.electra.pipeline.report.AblationReport.Point;
import dev.electra.pipeline.report.AblationReport.Probe;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report's PNG images (XChart): one learning curve per quantity that shares a scale across objectives, and the
 * probe scores with their intervals. Each chart's title is its name in the report.
 */
final class ReportCharts {
    static final String GENERATOR_LOSS = "generator MLM loss, training";
    static final String DISCRIMINATOR_AUC = "discriminator AUC over all tokens, held-out";
    static final String GENERATOR_ACCURACY = "generator MLM accuracy, held-out";
    /** The learning curves in the report's order. */
    static final List<String> CURVES = List.of(GENERATOR_LOSS, DISCRIMINATOR_AUC, GENERATOR_ACCURACY);
    static final String PROBE_CHART = "probe scores with 95% intervals";
    static final String PROBE_CHART_FILE = "probe-scores.png";

    private ReportCharts() {}

    /**
     * Writes the charts that have data into {@code out}; returns their files by name, the learning curves in
     * {@link #CURVES} order, then the probe chart.
     */
    static Map<String, Path> write(List<ObjectiveResult> results, Path out) throws IOException {
        Map<String, Path> images = new LinkedHashMap<>();
        for (String curve : CURVES) {
            XYChart chart = curve(results, curve);
            if (chart != null) {
                String file = curve.replaceAll("[^a-zA-Z]+", "-").replaceAll("^-|-$", "").toLowerCase(Locale.ROOT)
                        + ".png";
                BitmapEncoder.saveBitmap(chart, out.resolve(file).toString(), BitmapEncoder.BitmapFormat.PNG);
                images.put(curve, out.resolve(file));
            }
        }
        XYChart probes = probes(results);
        if (probes != null) {
            BitmapEncoder.saveBitmap(probes, out.resolve(PROBE_CHART_FILE).toString(),
                    BitmapEncoder.BitmapFormat.PNG);
            images.put(PROBE_CHART, out.resolve(PROBE_CHART_FILE));
        }
        return images;
    }

    /** One series per objective with points of {@code curve}; null when none has any. */
    private static XYChart curve(List<ObjectiveResult> results, String curve) {
        XYChart chart = new XYChartBuilder().width(720).height(400).title(curve).xAxisTitle("tokens seen (millions)")
                .yAxisTitle(curve).build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setMarkerSize(5);
        chart.getStyler().setXAxisDecimalPattern("#,##0.##");
        chart.getStyler().setYAxisDecimalPattern("0.0##");
        boolean any = false;
        for (ObjectiveResult r : results) {
            List<Point> points = r.curves().getOrDefault(curve, List.of());
            if (points.isEmpty()) {
                continue;
            }
            double[] x = points.stream().mapToDouble(p -> p.tokens() / 1e6).toArray();
            double[] y = points.stream().mapToDouble(Point::value).toArray();
            XYSeries s = chart.addSeries(AblationReport.display(r.objective()), x, y);
            s.setMarker(SeriesMarkers.CIRCLE);
            any = true;
        }
        return any ? chart : null;
    }

    /**
     * Each objective's probe score per task as a point with its 95% interval as a vertical bar, objectives side by
     * side within a task; null without probes.
     */
    private static XYChart probes(List<ObjectiveResult> results) {
        List<String> tasks = new ArrayList<>();
        for (ObjectiveResult r : results) {
            r.probes().keySet().stream().filter(t -> !tasks.contains(t)).forEach(tasks::add);
        }
        if (tasks.isEmpty()) {
            return null;
        }
        // the tasks left to right, named in the axis title (one group of points per task)
        XYChart chart = new XYChartBuilder().width(720).height(400).title(PROBE_CHART)
                .xAxisTitle(String.join("        ", tasks)).yAxisTitle("test score (the task's metric)").build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setMarkerSize(8);
        chart.getStyler().setYAxisDecimalPattern("0.0#");
        chart.getStyler().setXAxisMin(0.5);
        chart.getStyler().setXAxisMax(tasks.size() + 0.5);
        chart.getStyler().setXAxisTicksVisible(false);
        Color[] colors = chart.getStyler().getSeriesColors();
        for (int j = 0; j < results.size(); j++) {
            ObjectiveResult r = results.get(j);
            double offset = (j - (results.size() - 1) / 2.0) * 0.12;
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            Color color = colors[j % colors.length];
            for (int t = 0; t < tasks.size(); t++) {
                Probe p = r.probes().get(tasks.get(t));
                if (p == null) {
                    continue;
                }
                x.add(t + 1 + offset);
                y.add(p.test());
                XYSeries bar = chart.addSeries(r.objective() + " interval " + t, new double[] {t + 1 + offset,
                        t + 1 + offset}, new double[] {p.low(), p.high()});
                bar.setMarker(SeriesMarkers.NONE);
                bar.setLineColor(color);
                bar.setShowInLegend(false);
            }
            if (!x.isEmpty()) {
                XYSeries points = chart.addSeries(AblationReport.display(r.objective()), x, y);
                points.setMarker(SeriesMarkers.CIRCLE);
                points.setMarkerColor(color);
                points.setLineStyle(SeriesLines.NONE);
            }
        }
        return chart;
    }
}
