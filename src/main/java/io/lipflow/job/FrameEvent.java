package io.lipflow.job;

/**
 * One video frame of an utterance on its way through the generator: the audio input (32x16x16) and the
 * 328x328 crop of its template go in, the encoded frame (the generated face pasted into its template)
 * comes out, or why it could not be made; the end marker's {@code index} is the frame count.
 */
public class FrameEvent extends UtteranceEvent {
    public int template;
    /** Generator audio input, 16x512 floats. */
    public float[] audioInput;
    /** The template's 328x328 BGR crop (generator input and paste target). */
    public byte[] crop;
    /** The encoded frame; set by the generator. */
    public byte[] image;
    /** Why the frame could not be made (its avatar cannot be had); set by the generator instead of an image. */
    public String failure;

    public FrameEvent() {}

    public static FrameEvent frame(String speaker, String avatar, String utterance, int index, int template,
                                   float[] audioInput, byte[] crop) {
        FrameEvent e = new FrameEvent().route(speaker, avatar, utterance, index);
        e.template = template;
        e.audioInput = audioInput;
        e.crop = crop;
        return e;
    }

    public static FrameEvent end(String speaker, String avatar, String utterance, int frameCount, float[] audio, int audioRate) {
        return frame(speaker, avatar, utterance, frameCount, -1, null, null).ending(audio, audioRate);
    }
}
