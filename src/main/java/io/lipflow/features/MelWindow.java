package io.lipflow.features;

/**
 * One audio-encoder input: the 16 mel frames of video frame window {@code index}, as the (1, 1, 80, 16)
 * tensor in row-major order (mel bin major, time minor: element [b * 16 + t] = mel[start + t][b]).
 */
public record MelWindow(int index, float[] data) {
    public static final int SIZE = MelFilterbank.MELS * EncoderWindows.LENGTH;
}
