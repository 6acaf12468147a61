package io.lipflow.job;

/**
 * An indexed feature vector of one utterance: a mel window (80x16) before the audio encoder, its
 * 512-vector after it; the end marker's {@code index} is the window count N.
 */
public class FeatureEvent extends UtteranceEvent {
    public float[] values;

    public FeatureEvent() {}

    public static FeatureEvent item(String speaker, String avatar, String utterance, int index, float[] values) {
        FeatureEvent e = new FeatureEvent().route(speaker, avatar, utterance, index);
        e.values = values;
        return e;
    }

    public static FeatureEvent end(String speaker, String avatar, String utterance, int count, float[] audio, int audioRate) {
        return item(speaker, avatar, utterance, count, new float[0]).ending(audio, audioRate);
    }

    /** The marker that abandons an utterance after {@code count} windows. */
    public static FeatureEvent abandon(String speaker, String avatar, String utterance, int count) {
        return end(speaker, avatar, utterance, count, null, 0);
    }

    /** The same event with other values (the encoder's output for a window). */
    public FeatureEvent withValues(float[] newValues) {
        FeatureEvent e = end ? end(speaker, avatar, utterance, index, audio, audioRate)
                : item(speaker, avatar, utterance, index, newValues);
        e.arrivalMillis = arrivalMillis;
        return e;
    }
}
