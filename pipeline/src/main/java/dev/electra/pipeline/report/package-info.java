/**
 * The ablation report ({@link dev.electra.pipeline.report.AblationReport}): tables, learning curves (XChart PNGs)
 * and run metadata as Markdown and a self-contained HTML page.
 */
package dev.electra.pipeline.report;
