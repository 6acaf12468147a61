package io.lipflow.audio;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Float and double arrays written to and read from {@link DataOutput}/{@link DataInput} in one bulk copy,
 * byte for byte what {@code writeFloat}/{@code writeDouble} per element would write (big-endian). Keyed
 * state is rewritten on every record, and per-element calls there cost more than the work itself.
 */
public final class PackedArrays {
    private PackedArrays() {}

    /** Writes {@code values} as {@code values.length} big-endian floats. */
    public static void writeFloats(DataOutput out, float[] values) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES);
        bytes.asFloatBuffer().put(values);
        out.write(bytes.array());
    }

    /** Fills {@code into} with big-endian floats read from {@code in}. */
    public static void readFloats(DataInput in, float[] into) throws IOException {
        byte[] bytes = new byte[into.length * Float.BYTES];
        in.readFully(bytes);
        ByteBuffer.wrap(bytes).asFloatBuffer().get(into);
    }

    /** Writes {@code values} as {@code values.length} big-endian doubles. */
    public static void writeDoubles(DataOutput out, double[] values) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Double.BYTES);
        bytes.asDoubleBuffer().put(values);
        out.write(bytes.array());
    }

    /** Fills {@code into} with big-endian doubles read from {@code in}. */
    public static void readDoubles(DataInput in, double[] into) throws IOException {
        byte[] bytes = new byte[into.length * Double.BYTES];
        in.readFully(bytes);
        ByteBuffer.wrap(bytes).asDoubleBuffer().get(into);
    }
}
