package dev.electra.pipeline.report;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code ablate} writes as {@code _ablation.json} beside its runs, and what the report reads back: one list of
 * fields for writer and reader. Keys are the fields in snake case, in this order; a field an older ablation lacks is
 * null here and left out when written, so an older file writes back as it was read. Fields this version does not
 * know are ignored.
 *
 * @param title       the report's heading
 * @param objectives  the pretraining objectives compared, in the report's row order (config names)
 * @param baseline    {@code random} when the never-pretrained encoder was evaluated as the floor; null without it
 * @param steps       pretraining steps of every objective
 * @param globalBatch examples per step over all workers
 * @param seed        the runs' seed
 * @param seeds       fine-tuning seeds per task
 * @param data        the shards every objective pretrained on, as given to ablate
 * @param tasks       the evaluation tasks
 * @param codeVersion the version and commit that ran the ablation
 * @param machine     cores, memory, system and Java of the machine
 * @param started     when the ablation started (ISO-8601 instant)
 * @param wallSeconds the whole ablation's wall time, rounded
 * @param runs        per objective, the step its pretraining ended at
 * @param config      the effective configuration the runs shared (HOCON; the objective aside)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record AblationDescriptor(String title, List<String> objectives, String baseline, Long steps,
                                 Integer globalBatch, Long seed, Integer seeds, String data, List<String> tasks,
                                 String codeVersion, String machine, String started, Long wallSeconds,
                                 Map<String, Run> runs, String config) {
    public static final String FILE_NAME = "_ablation.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public AblationDescriptor {
        objectives = objectives == null ? null : List.copyOf(objectives);
        tasks = tasks == null ? null : List.copyOf(tasks);
        runs = runs == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(runs));
    }

    /** One objective's pretraining as the ablation recorded it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Run(Long finalStep) { }

    /** The descriptor in {@code dir}. */
    public static AblationDescriptor read(Path dir) throws IOException {
        return JSON.readValue(dir.resolve(FILE_NAME).toFile(), AblationDescriptor.class);
    }

    /** Writes {@code dir/_ablation.json} (indented, as ablate always has). */
    public void write(Path dir) throws IOException {
        Files.write(dir.resolve(FILE_NAME), toJson());
    }

    byte[] toJson() throws IOException {
        return JSON.writeValueAsBytes(this);
    }

    /** The objectives, none when the file names none. */
    public List<String> objectivesOrNone() {
        return objectives == null ? List.of() : objectives;
    }
}
