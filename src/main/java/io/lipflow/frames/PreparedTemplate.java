package io.lipflow.frames;

import java.io.Serializable;
import java.nio.ByteBuffer;

/**
 * One template frame preprocessed once: the decoded frame, its crop box and its 328x328 crop. Building
 * the generator input from it is a byte-to-float pass (no JPEG decode, no resize), and compositing needs
 * no decode either. {@link #toBytes()} is the compact form for Flink keyed state.
 */
public final class PreparedTemplate implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final int MAGIC = 0x4C465054; // "LFPT"
    private static final int VERSION = 1;
    private static final int HEADER_BYTES = 7 * Integer.BYTES;

    private final BgrImage frame;
    private final CropBox box;
    private final byte[] crop;

    private PreparedTemplate(BgrImage frame, CropBox box, byte[] crop) {
        this.frame = frame;
        this.box = box;
        this.crop = crop;
    }

    /** Crops {@code frame} at {@code box} (§5.1-5.2). */
    public static PreparedTemplate prepare(BgrImage frame, CropBox box) {
        return new PreparedTemplate(frame, box, FaceCrop.crop(frame, box));
    }

    public BgrImage frame() {
        return frame;
    }

    public CropBox box() {
        return box;
    }

    /** The 328x328 BGR crop (the array itself; do not modify). */
    public byte[] crop() {
        return crop;
    }

    /** Writes this template's generator input into {@code dst[offset .. offset + FaceCrop.INPUT_SIZE)}. */
    public void writeInput(float[] dst, int offset) {
        FaceCrop.writeInput(crop, dst, offset);
    }

    /** The output frame for generator output {@code output[offset ..]} (one 3x320x320 BGR face). */
    public BgrImage composite(float[] output, int offset) {
        return Compositor.composite(frame, box, crop, output, offset);
    }

    /** The serialized form: a 28-byte header (magic, version, box, frame size), the crop, the frame pixels. */
    public byte[] toBytes() {
        ByteBuffer buf = ByteBuffer.allocate(HEADER_BYTES + crop.length + frame.bgr().length);
        buf.putInt(MAGIC).putInt(VERSION)
                .putInt(box.xmin()).putInt(box.ymin()).putInt(box.side())
                .putInt(frame.width()).putInt(frame.height())
                .put(crop).put(frame.bgr());
        return buf.array();
    }

    /** Reads {@link #toBytes()}'s form. */
    public static PreparedTemplate fromBytes(byte[] bytes) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        if (bytes.length < HEADER_BYTES || buf.getInt() != MAGIC || buf.getInt() != VERSION) {
            throw new IllegalArgumentException("not a serialized prepared template (version " + VERSION + ")");
        }
        CropBox box = new CropBox(buf.getInt(), buf.getInt(), buf.getInt());
        int width = buf.getInt();
        int height = buf.getInt();
        if (width <= 0 || height <= 0 || bytes.length != HEADER_BYTES + FaceCrop.CROP_BYTES + width * height * 3) {
            throw new IllegalArgumentException("serialized prepared template has " + bytes.length
                    + " bytes, expected a " + width + "x" + height + " frame");
        }
        byte[] crop = new byte[FaceCrop.CROP_BYTES];
        byte[] pixels = new byte[width * height * 3];
        buf.get(crop).get(pixels);
        return new PreparedTemplate(new BgrImage(width, height, pixels), box, crop);
    }
}
