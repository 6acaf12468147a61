package io.lipflow.frames;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * SyncTalk_2D's {@code .lms} landmark files: one point per line, {@code x y} separated by white space,
 * LF or CRLF line ends, {@value #POINTS} points per frame.
 */
public final class Landmarks {
    /** Points per frame in SyncTalk_2D's landmark files. */
    public static final int POINTS = 110;

    private Landmarks() {}

    /**
     * Parses one file's text to {@code [point][x, y]}. Numbers are read as float32 as the original reads
     * them; blank lines (a trailing newline) are ignored.
     *
     * @throws IllegalArgumentException naming the line when a line is not two numbers
     */
    public static float[][] parse(String text) {
        List<float[]> points = new ArrayList<>();
        String[] lines = text.split("\r?\n|\r", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] parts = line.split("\\s+");
            try {
                if (parts.length != 2) {
                    throw new NumberFormatException();
                }
                points.add(new float[] {Float.parseFloat(parts[0]), Float.parseFloat(parts[1])});
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("line " + (i + 1) + " is not 'x y': '" + abbreviate(line) + "'");
            }
        }
        return points.toArray(new float[0][]);
    }

    /** The text of a {@code .lms} file for {@code points} (LF line ends). */
    public static String format(float[][] points) {
        StringBuilder sb = new StringBuilder();
        for (float[] p : points) {
            sb.append(String.format(Locale.ROOT, "%.3f %.3f\n", p[0], p[1]));
        }
        return sb.toString();
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
