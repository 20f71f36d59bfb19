/**
 * The one configuration of a run: {@code conf/reference.conf} (every default, one comment each), overlays and
 * {@code --set} overrides, loaded into immutable validated records; unknown keys are errors. Also the provenance
 * written next to every output ({@link dev.electra.pipeline.config.RunInfo}).
 */
package dev.electra.pipeline.config;
