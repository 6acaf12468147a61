package io.lipflow.job;

/**
 * One video frame of an utterance on its way through the generator: the audio input (32x16x16) and the
 * 328x328 crop of its template go in, the generated 320x320 face comes out. The end marker
 * ({@code end = true}, {@code index} = frame count) carries the utterance's audio; one without audio
 * abandons the utterance (see {@link FeatureEvent}).
 */
public class FrameEvent {
    public String speaker;
    public String avatar;
    public String utterance;
    public int index;
    public int template;
    /** Generator audio input, 16x512 floats. */
    public float[] audioInput;
    /** The template's 328x328 BGR crop (generator input and paste target). */
    public byte[] crop;
    /** Generator output, 3x320x320 BGR in (0,1); set by the generator. */
    public float[] face;
    public boolean end;
    /** End marker only: the utterance's mono audio at {@code audioRate}. */
    public float[] audio;
    public int audioRate;
    /** When the audio that completed this frame's input reached the mel stage (epoch ms). */
    public long arrivalMillis;

    public FrameEvent() {}

    public static FrameEvent frame(String speaker, String avatar, String utterance, int index, int template,
                                   float[] audioInput, byte[] crop) {
        FrameEvent e = new FrameEvent();
        e.speaker = speaker;
        e.avatar = avatar;
        e.utterance = utterance;
        e.index = index;
        e.template = template;
        e.audioInput = audioInput;
        e.crop = crop;
        return e;
    }

    public static FrameEvent end(String speaker, String avatar, String utterance, int frameCount, float[] audio, int audioRate) {
        FrameEvent e = frame(speaker, avatar, utterance, frameCount, -1, null, null);
        e.end = true;
        e.audio = audio;
        e.audioRate = audioRate;
        return e;
    }

    /** Whether this is the marker of an abandoned utterance. */
    public boolean abandoned() {
        return end && audio == null;
    }

    @Override
    public String toString() {
        return "FrameEvent{" + speaker + "/" + utterance + (end ? " end, frames=" : " #") + index + "}";
    }
}
