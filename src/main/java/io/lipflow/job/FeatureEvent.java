package io.lipflow.job;

/**
 * An indexed feature vector of one utterance travelling between the job's operators: a mel window
 * (80x16) before the audio encoder, its 512-vector after it. An end marker ({@code end = true})
 * follows the last one: its {@code index} is the count N and it carries the utterance's audio for
 * the MP4. An end marker without audio abandons the utterance (it was dead-lettered part way): the
 * operators after clear its state and no video is finished for it.
 */
public class FeatureEvent {
    public String speaker;
    public String avatar;
    public String utterance;
    public int index;
    public float[] values;
    public boolean end;
    /** End marker only: the whole utterance, mono at {@code audioRate}. */
    public float[] audio;
    public int audioRate;
    /** When the audio chunk that completed this event reached the mel stage (epoch ms): audio-to-frame latency. */
    public long arrivalMillis;

    public FeatureEvent() {}

    public static FeatureEvent item(String speaker, String avatar, String utterance, int index, float[] values) {
        FeatureEvent e = new FeatureEvent();
        e.speaker = speaker;
        e.avatar = avatar;
        e.utterance = utterance;
        e.index = index;
        e.values = values;
        return e;
    }

    public static FeatureEvent end(String speaker, String avatar, String utterance, int count, float[] audio, int audioRate) {
        FeatureEvent e = item(speaker, avatar, utterance, count, new float[0]);
        e.end = true;
        e.audio = audio;
        e.audioRate = audioRate;
        return e;
    }

    /** The marker that abandons an utterance after {@code count} windows. */
    public static FeatureEvent abandon(String speaker, String avatar, String utterance, int count) {
        return end(speaker, avatar, utterance, count, null, 0);
    }

    /** Whether this is the marker of an abandoned utterance. */
    public boolean abandoned() {
        return end && audio == null;
    }

    /** The same event with other values (the encoder's output for a window). */
    public FeatureEvent withValues(float[] newValues) {
        FeatureEvent e = end ? end(speaker, avatar, utterance, index, audio, audioRate)
                : item(speaker, avatar, utterance, index, newValues);
        e.arrivalMillis = arrivalMillis;
        return e;
    }

    @Override
    public String toString() {
        return "FeatureEvent{" + speaker + "/" + utterance + (end ? " end N=" : " #") + index + "}";
    }
}
