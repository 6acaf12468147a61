package io.lipflow.output;

import java.util.Locale;

/**
 * One output frame of a speaker's utterance, encoded (JPEG or PNG), or the utterance's end marker
 * ({@code end = true}, {@code index} = frame count) carrying its audio for the MP4.
 */
public class VideoFrame {
    /** Milliseconds per frame at 25 fps. */
    public static final int FRAME_MILLIS = 40;

    public String speaker;
    public String utterance;
    public int index;
    /** "jpg" or "png". */
    public String format;
    public byte[] image;
    public boolean end;
    /** End marker only: the utterance's mono audio at {@code audioRate}. */
    public float[] audio;
    public int audioRate;

    public VideoFrame() {}

    public static VideoFrame frame(String speaker, String utterance, int index, String format, byte[] image) {
        VideoFrame f = new VideoFrame();
        f.speaker = speaker;
        f.utterance = utterance;
        f.index = index;
        f.format = format;
        f.image = image;
        return f;
    }

    public static VideoFrame end(String speaker, String utterance, int frameCount, String format, float[] audio, int audioRate) {
        VideoFrame f = frame(speaker, utterance, frameCount, format, new byte[0]);
        f.end = true;
        f.audio = audio;
        f.audioRate = audioRate;
        return f;
    }

    /** Presentation time of this frame in the utterance's video. */
    public long ptsMillis() {
        return (long) index * FRAME_MILLIS;
    }

    /** File name of frame {@code index} in its utterance directory. */
    public static String fileName(int index, String format) {
        return String.format(Locale.ROOT, fileNamePattern(format), index); // ASCII digits, as FFmpeg reads them
    }

    /** The frames' file names as a printf pattern of the index ({@code frame_%05d.jpg}), as FFmpeg reads sequences. */
    public static String fileNamePattern(String format) {
        return "frame_%05d." + format;
    }

    @Override
    public String toString() {
        return "VideoFrame{" + speaker + "/" + utterance + (end ? " end, frames=" : " #") + index + "}";
    }
}
