package io.lipflow.features;

import io.lipflow.audio.PackedArrays;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;

/**
 * Streaming form of PIPELINE.md §2 steps 4–5: turns encoder outputs enc[0], enc[1], ... into the
 * generator's audio input for each video frame, with the same result as the whole-file computation.
 *
 * <p>With N encoder outputs, the rows are F = [enc[0], enc[0], enc[1], ..., enc[N-1], enc[N-1]] (N + 2
 * rows) and frame i (0..N+1) takes F[i-8 .. i+7], rows outside [0, N+2) being zeros; the 16 x 512 block,
 * row-major, is the (32,16,16) audio tensor. Frame i is emitted as soon as enc[i+6] (= F[i+7]) has been
 * added; {@link #end(FrameSink)} emits the rest. Only the rows later frames still need are kept, so the state
 * that {@link #snapshot()} writes stays small (at most 16 rows).
 */
public final class AudioContext {
    /** Length of one encoder output. */
    public static final int EMBEDDING = 512;
    /** Rows per frame. */
    public static final int ROWS = 16;
    /** Floats in one frame's audio input (the (32,16,16) tensor). */
    public static final int FRAME_INPUT = ROWS * EMBEDDING;
    private static final int SNAPSHOT_VERSION = 1;

    /** Receives each frame's audio input, in frame order; what it throws passes through {@link #add} and {@link #end}. */
    @FunctionalInterface
    public interface FrameSink<E extends Exception> {
        void accept(int frameIndex, float[] audioInput) throws E;
    }

    /** Encoder outputs enc[firstKept], enc[firstKept + 1], ..., enc[added - 1]. */
    private final ArrayDeque<float[]> kept = new ArrayDeque<>();
    private int firstKept;
    private int added;
    private int nextFrame;
    private boolean ended;

    /** Index of the next frame to be emitted (the number emitted so far). */
    public int nextFrame() {
        return nextFrame;
    }

    public boolean ended() {
        return ended;
    }

    /** Adds the next encoder output, enc[number added so far], and emits every frame that has become complete. */
    public <E extends Exception> void add(float[] encoding, FrameSink<E> out) throws E {
        if (ended) {
            throw new IllegalStateException("encoder output added after end()");
        }
        if (encoding.length != EMBEDDING) {
            throw new IllegalArgumentException("encoder output must have " + EMBEDDING + " values, got " + encoding.length);
        }
        kept.addLast(encoding.clone());
        added++;
        // Frame i needs F[i+7] = enc[i+6]: complete once i + 7 <= added.
        while (nextFrame + 7 <= added) {
            emit(out);
        }
    }

    /**
     * Declares N = the number of encoder outputs added and emits the remaining frames up to N + 1. With
     * N = 0 there are no frames.
     */
    public <E extends Exception> void end(FrameSink<E> out) throws E {
        if (ended) {
            throw new IllegalStateException("end() called twice");
        }
        ended = true;
        if (added == 0) {
            return;
        }
        while (nextFrame <= added + 1) {
            emit(out);
        }
    }

    private <E extends Exception> void emit(FrameSink<E> out) throws E {
        int i = nextFrame++;
        float[] block = new float[FRAME_INPUT];
        // Before end() only F[0..added] are known (and suffice: see add()); after it F ends at F[N+1].
        int lastRow = ended ? added + 1 : added;
        for (int r = 0; r < ROWS; r++) {
            int f = i - 8 + r;
            if (f >= 0 && f <= lastRow) {
                System.arraycopy(encoderRow(Math.min(Math.max(f - 1, 0), added - 1)), 0, block, r * EMBEDDING, EMBEDDING);
            }
        }
        out.accept(i, block);
        // The next frame's first row is F[nextFrame - 8] = enc[nextFrame - 9] (or enc[0]).
        while (firstKept < nextFrame - 9 && firstKept < added - 1) {
            kept.removeFirst();
            firstKept++;
        }
    }

    private float[] encoderRow(int k) {
        int offset = k - firstKept;
        for (float[] row : kept) {
            if (offset-- == 0) {
                return row;
            }
        }
        throw new IllegalStateException("encoder output " + k + " is no longer kept");
    }

    /** The state as bytes, for keyed state between records. */
    public byte[] snapshot() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 + kept.size() * EMBEDDING * Float.BYTES);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(SNAPSHOT_VERSION);
            out.writeInt(firstKept);
            out.writeInt(added);
            out.writeInt(nextFrame);
            out.writeBoolean(ended);
            for (float[] row : kept) {
                PackedArrays.writeFloats(out, row);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Rebuilds a context from {@link #snapshot()} bytes. */
    public static AudioContext restore(byte[] snapshot) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(snapshot))) {
            int version = in.readInt();
            if (version != SNAPSHOT_VERSION) {
                throw new IllegalArgumentException("unknown AudioContext snapshot version " + version);
            }
            AudioContext c = new AudioContext();
            c.firstKept = in.readInt();
            c.added = in.readInt();
            c.nextFrame = in.readInt();
            c.ended = in.readBoolean();
            for (int k = c.firstKept; k < c.added; k++) {
                float[] row = new float[EMBEDDING];
                PackedArrays.readFloats(in, row);
                c.kept.addLast(row);
            }
            return c;
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated AudioContext snapshot", e);
        }
    }
}
