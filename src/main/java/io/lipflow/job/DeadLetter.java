package io.lipflow.job;

import org.apache.flink.util.OutputTag;

/** Input the job could not process, with the reason; every other speaker keeps going. */
public class DeadLetter {
    /** Side output every operator sends its dead letters to. */
    public static final OutputTag<DeadLetter> TAG = new OutputTag<>("dead-letters") { };

    /**
     * The longest id a dead letter carries whole (valid ids have at most 64 characters); a Kafka record's key
     * or an utterance id can be as long as the record, and a dead letter that the broker refuses as too
     * large would fail the job.
     */
    static final int MAX_ID = 200;
    /** The longest reason carried whole: reasons quote the ids. */
    static final int MAX_REASON = 2000;

    public String speaker;
    public String utterance;
    /** The operator that refused it. */
    public String stage;
    public String reason;

    public DeadLetter() {}

    public DeadLetter(String speaker, String utterance, String stage, String reason) {
        this.speaker = clip(speaker, MAX_ID);
        this.utterance = clip(utterance, MAX_ID);
        this.stage = stage;
        this.reason = clip(reason, MAX_REASON);
    }

    private static String clip(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max) + "... (" + s.length() + " characters)";
    }

    /** One JSON line. */
    public String toJson() {
        return "{\"speaker\":" + quote(speaker) + ",\"utterance\":" + quote(utterance) + ",\"stage\":" + quote(stage)
                + ",\"reason\":" + quote(reason) + "}";
    }

    private static String quote(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    @Override
    public String toString() {
        return toJson();
    }
}
