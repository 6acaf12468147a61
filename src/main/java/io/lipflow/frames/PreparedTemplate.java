package io.lipflow.frames;

import java.io.Serializable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One template frame preprocessed once: the decoded frame, its crop box and its 328x328 crop. Building
 * the generator input from it is a byte-to-float pass (no JPEG decode, no resize), and compositing needs
 * no decode either.
 */
public final class PreparedTemplate implements Serializable {
    private static final long serialVersionUID = 1L;

    private final BgrImage frame;
    private final CropBox box;
    private final byte[] crop;
    private transient Map<Integer, TemplateJpeg> jpegs; // by quality, made on first use (templates are shared per process)

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

    /** What the output frame for generator output {@code output[offset ..]} writes over this template. */
    public Compositor.Patch patch(float[] output, int offset) {
        return Compositor.patch(frame, box, crop, output, offset);
    }

    /**
     * The output frame, this template with {@code patch} over it, as {@code format} bytes: a JPEG is
     * spliced from this template's own ({@link TemplateJpeg}: only the segments the face touches are
     * encoded), a PNG is encoded whole.
     */
    public byte[] encode(Compositor.Patch patch, String format, int jpegQuality) {
        if (format.equals("jpg")) {
            return jpegs().computeIfAbsent(jpegQuality, q -> TemplateJpeg.encode(frame, q))
                    .withRegion(patch.region(), patch.pixels());
        }
        return FrameEncoder.encode(patch.over(frame), format, jpegQuality);
    }

    private synchronized Map<Integer, TemplateJpeg> jpegs() {
        if (jpegs == null) {
            jpegs = new ConcurrentHashMap<>();
        }
        return jpegs;
    }

}
