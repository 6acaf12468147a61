package io.lipflow.job;

import org.apache.flink.util.OutputTag;

/** Input the job could not process, with the reason; every other speaker keeps going. */
public class DeadLetter {
    /** Side output every operator sends its dead letters to. */
    public static final OutputTag<DeadLetter> TAG = new OutputTag<>("dead-letters") { };

    public String speaker;
    public String utterance;
    /** The operator that refused it. */
    public String stage;
    public String reason;

    public DeadLetter() {}

    public DeadLetter(String speaker, String utterance, String stage, String reason) {
        this.speaker = speaker;
        this.utterance = utterance;
        this.stage = stage;
        this.reason = reason;
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
