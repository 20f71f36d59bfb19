/** Sample data fetched from package registries by name and pinned by checksum, converted to plain text. */
package dev.electra.pipeline.data;
