package io.lipflow.job;

/**
 * What every record of an utterance carries between the job's operators: whose it is, its position,
 * and for the utterance's end marker ({@code end = true}, {@code index} = the count of items before it)
 * the utterance's audio for the MP4. An end marker without audio abandons the utterance (it was
 * dead-lettered part way): the operators after clear its state and no video is finished for it.
 */
public class UtteranceEvent {
    public String speaker;
    public String avatar;
    public String utterance;
    public int index;
    public boolean end;
    /** End marker only: the whole utterance, mono at {@code audioRate}; null when abandoned. */
    public float[] audio;
    public int audioRate;
    /** When the audio chunk that completed this event reached the mel stage (epoch ms): audio-to-frame latency. */
    public long arrivalMillis;

    /** Sets the routing fields; returns {@code this}. */
    @SuppressWarnings("unchecked")
    <E extends UtteranceEvent> E route(String speaker, String avatar, String utterance, int index) {
        this.speaker = speaker;
        this.avatar = avatar;
        this.utterance = utterance;
        this.index = index;
        return (E) this;
    }

    /** Makes this the end marker after {@code count} items; {@code audio} null abandons the utterance. */
    @SuppressWarnings("unchecked")
    <E extends UtteranceEvent> E ending(float[] audio, int audioRate) {
        this.end = true;
        this.audio = audio;
        this.audioRate = audioRate;
        return (E) this;
    }

    /** Whether this is the marker of an abandoned utterance. */
    public boolean abandoned() {
        return end && audio == null;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "{" + speaker + "/" + utterance + (end ? " end, count=" : " #") + index + "}";
    }
}
