/** Metrics of replaced-token detection and masked language modelling, each checked against hand-computed values. */
package dev.electra.pipeline.metrics;
