package io.lipflow.features;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy's {@code .npy} format (version 1.0/2.0), little-endian float32/float64 only: what the
 * original Python tools exchange mel spectrograms and filterbanks in.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([<>|=]?[a-z]\\d+)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order':\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    /** An array read from a .npy file, values in C (row-major) order whatever the file's order. */
    public record Array(int[] shape, double[] data) {}

    private Npy() {}

    public static Array read(Path file) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[6];
        buf.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new IOException(file + ": not a .npy file");
        }
        int major = buf.get();
        buf.get();
        int headerLen = major == 1 ? Short.toUnsignedInt(buf.getShort()) : buf.getInt();
        byte[] headerBytes = new byte[headerLen];
        buf.get(headerBytes);
        String header = new String(headerBytes, StandardCharsets.ISO_8859_1);
        String descr = find(DESCR, header, file);
        boolean fortran = find(FORTRAN, header, file).equals("True");
        int[] shape = Arrays.stream(find(SHAPE, header, file).split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).mapToInt(Integer::parseInt).toArray();
        int count = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        double[] values = new double[count];
        switch (descr) {
            case "<f4" -> { for (int i = 0; i < count; i++) values[i] = buf.getFloat(); }
            case "<f8" -> { for (int i = 0; i < count; i++) values[i] = buf.getDouble(); }
            default -> throw new IOException(file + ": unsupported dtype " + descr + " (float32/float64 only)");
        }
        return new Array(shape, fortran ? toRowMajor(values, shape) : values);
    }

    /** Writes a 2-D float32 array in C order. */
    public static void writeFloat32(Path file, float[][] rows, int cols) throws IOException {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + rows.length + ", " + cols + "), }";
        int unpadded = MAGIC.length + 4 + dict.length() + 1;
        String header = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
        ByteBuffer buf = ByteBuffer.allocate(MAGIC.length + 4 + header.length() + rows.length * cols * 4)
                .order(ByteOrder.LITTLE_ENDIAN);
        buf.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
        buf.put(header.getBytes(StandardCharsets.ISO_8859_1));
        for (float[] row : rows) {
            if (row.length != cols) {
                throw new IllegalArgumentException("ragged rows: " + row.length + " != " + cols);
            }
            for (float v : row) {
                buf.putFloat(v);
            }
        }
        Files.write(file, buf.array());
    }

    private static String find(Pattern p, String header, Path file) throws IOException {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw new IOException(file + ": malformed .npy header: " + header.trim());
        }
        return m.group(1);
    }

    /** Fortran order stores the first index fastest; reorder so the last index is fastest. */
    private static double[] toRowMajor(double[] values, int[] shape) {
        if (shape.length < 2) {
            return values;
        }
        if (shape.length != 2) {
            throw new IllegalArgumentException("Fortran-order arrays above 2-D are not supported");
        }
        int rows = shape[0];
        int cols = shape[1];
        double[] out = new double[values.length];
        for (int c = 0; c < cols; c++) {
            for (int r = 0; r < rows; r++) {
                out[r * cols + c] = values[c * rows + r];
            }
        }
        return out;
    }
}
