/**
 * The ablation report ({@link dev.electra.pipeline.report.AblationReport}, the entry point): tables, learning curves
 * (XChart PNGs) and run metadata as Markdown and a self-contained HTML page. {@code AblationReader} gathers the
 * results of an ablation directory, {@code ReportCharts} draws the images, {@code ReportMarkdown} writes the text
 * section by section and {@code ReportHtml} turns it into the page.
 */
package dev.electra.pipeline.report;
