package dev.electra.pipeline.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import dev.electra.pipeline.errors.JobError;
import dev.electra.pipeline.packing.DataFingerprint;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Whether a resumed pretraining run is the same run: the configuration a checkpoint recorded against the one of the
 * new invocation, and the shards' fingerprint recorded by the run against the shards given now. Keys listed in
 * {@code pretrain.resume-may-change} may differ (each difference is returned, to be recorded); any other difference
 * is refused with both values named, since continuing would silently train a different model than the one the
 * run's files describe.
 */
public final class ResumeCheck {
    /** Key of the list of keys that may change on resume. */
    public static final String MAY_CHANGE = "pretrain.resume-may-change";

    private ResumeCheck() {}

    /** A difference between the checkpoint's configuration and the new one that is allowed. */
    public record Change(String key, String from, String to) {
        public Map<String, Object> toMap(long step) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("step", step);
            m.put("key", key);
            m.put("from", from);
            m.put("to", to);
            return m;
        }
    }

    /**
     * The allowed changes from {@code recorded} (a checkpoint's rendered configuration) to {@code now}; refuses
     * any other difference. A key the recorded configuration lacks (written before the key existed) counts as its
     * default.
     *
     * @param where the run and checkpoint, for messages
     */
    public static List<Change> configuration(String recorded, ElectraConfig now, String where) {
        List<String> mayChange = now.pretrain().resumeMayChange();
        List<Change> allowed = new ArrayList<>();
        List<Change> refused = new ArrayList<>();
        for (Change c : differences(recorded, now)) {
            (covered(c.key(), mayChange) ? allowed : refused).add(c);
        }
        for (Change c : refused) {
            String retired = ConfigLoader.RETIRED.get(c.key());
            if (retired != null) {
                throw new JobError("cannot resume " + where + ": it was trained with " + c.key() + " = " + c.from()
                        + ", a key this version no longer has (" + retired + "); finish the run with the version "
                        + "that started it (its _run.json names the code version) or start a new run");
            }
        }
        if (!refused.isEmpty()) {
            Change first = refused.get(0);
            StringBuilder m = new StringBuilder("cannot resume " + where + ": it was trained with " + first.key()
                    + " = " + first.from() + ", this invocation has " + first.to());
            if (refused.size() > 1) {
                m.append(" (and ").append(refused.size() - 1).append(" more: ");
                for (int i = 1; i < refused.size(); i++) {
                    Change c = refused.get(i);
                    m.append(i > 1 ? ", " : "").append(c.key()).append(" ").append(c.from()).append(" -> ")
                            .append(c.to());
                }
                m.append(")");
            }
            m.append("; resume with the run's own configuration (its _effective.conf) or choose another --output. "
                    + "Only the keys in " + MAY_CHANGE + " may change on resume");
            throw new JobError(m.toString());
        }
        return allowed;
    }

    /**
     * Every key whose value differs between {@code recorded} (an output's rendered configuration) and {@code now}, in
     * key order; a key the recorded configuration lacks (written before the key existed) counts as its default.
     */
    public static List<Change> differences(String recorded, ElectraConfig now) {
        Map<String, Object> before = flatten(ConfigFactory.parseString(recorded)
                .withFallback(ConfigFactory.parseString(ConfigLoader.defaults().rendered())));
        Map<String, Object> after = flatten(ConfigFactory.parseString(now.rendered()));
        TreeSet<String> keys = new TreeSet<>(before.keySet());
        keys.addAll(after.keySet());
        List<Change> out = new ArrayList<>();
        for (String key : keys) {
            Object a = before.get(key);
            Object b = after.get(key);
            if (!same(a, b)) {
                out.add(new Change(key, String.valueOf(a), String.valueOf(b)));
            }
        }
        return out;
    }

    /**
     * Refuses shards that differ from those the run trained on: each key of {@code recorded} (the run's data
     * fingerprint: vocabulary checksum, sequence length, examples, shards) must have the same value {@code now}.
     */
    public static void data(Map<String, ?> recorded, Map<String, ?> now, String where, String data) {
        for (Map.Entry<String, ?> e : recorded.entrySet()) {
            Object then = e.getValue();
            Object current = now.get(e.getKey());
            if (then != null && !same(then, current)) {
                String what = e.getKey().equals(DataFingerprint.VOCAB_SHA256) ? "shards of another vocabulary" : "other shards";
                throw new JobError("cannot resume " + where + " with " + data + ": these are " + what + " ("
                        + e.getKey() + " " + current + ", the run was trained on " + then + "); give the run's own "
                        + "--data or choose another --output");
            }
        }
    }

    public static boolean covered(String key, List<String> patterns) {
        for (String p : patterns) {
            if (p.equals(key) || p.endsWith(".*") && key.startsWith(p.substring(0, p.length() - 1))) {
                return true;
            }
        }
        return false;
    }

    private static Map<String, Object> flatten(Config c) {
        Map<String, Object> out = new TreeMap<>();
        for (Map.Entry<String, ConfigValue> e : c.entrySet()) {
            out.put(e.getKey(), e.getValue().unwrapped());
        }
        return out;
    }

    /** Numbers compared by value (1e-3 and 0.001 are the same setting), lists element by element. */
    private static Object normalize(Object v) {
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        if (v instanceof List<?> list) {
            return list.stream().map(ResumeCheck::normalize).toList();
        }
        return v;
    }

    private static boolean same(Object a, Object b) {
        Object x = normalize(a);
        Object y = normalize(b);
        if (x instanceof String s && y instanceof Double d) {
            return parses(s, d);
        }
        if (y instanceof String s && x instanceof Double d) {
            return parses(s, d);
        }
        return Objects.equals(x, y);
    }

    private static boolean parses(String s, double d) {
        try {
            return Double.parseDouble(s) == d;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
