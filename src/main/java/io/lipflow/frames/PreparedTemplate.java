package io.lipflow.frames;

/**
 * One template frame preprocessed once for one output format: where its face goes, its 328x328 crop,
 * and what encoding an output frame needs. Building the generator input from it is a byte-to-float pass
 * (no JPEG decode, no resize), and compositing needs no decode either. For JPEG output it keeps the
 * template's own JPEG and only the pixels of the restart segments the face touches ({@link TemplateJpeg}):
 * 0.8 MB for a camera-like 1280x720 frame against 3 MB with the decoded frame, which counts when a
 * TaskManager holds many avatars. For PNG it keeps the decoded frame.
 */
public final class PreparedTemplate {
    private final CropBox.Region region;
    private final byte[] crop;
    private final TemplateJpeg jpeg; // JPEG output, else null
    private final BgrImage frame; // PNG output, else null

    private PreparedTemplate(CropBox.Region region, byte[] crop, TemplateJpeg jpeg, BgrImage frame) {
        this.region = region;
        this.crop = crop;
        this.jpeg = jpeg;
        this.frame = frame;
    }

    /**
     * Crops {@code frame} at {@code box} (§5.1-5.2) and prepares its output frames as {@code format}
     * ("jpg" at {@code jpegQuality}, or "png").
     */
    public static PreparedTemplate prepare(BgrImage frame, CropBox box, String format, int jpegQuality) {
        CropBox.Region region = box.clip(frame.width(), frame.height());
        byte[] crop = FaceCrop.crop(frame, box);
        return switch (format) {
            case "jpg" -> new PreparedTemplate(region, crop, TemplateJpeg.encode(frame, jpegQuality, region), null);
            case "png" -> new PreparedTemplate(region, crop, null, frame);
            default -> throw new IllegalArgumentException("format must be jpg or png, got '" + format + "'");
        };
    }

    /** Where the face goes: the crop box clipped to the frame (§5.5). */
    public CropBox.Region region() {
        return region;
    }

    /** The 328x328 BGR crop (the array itself; do not modify). */
    public byte[] crop() {
        return crop;
    }

    /** Bytes this template holds: the crop and the JPEG and pixels around the face, or the whole frame. */
    public long bytes() {
        return crop.length + (jpeg != null ? jpeg.bytes() : frame.bgr().length);
    }

    /** What the output frame for generator output {@code output[offset ..]} writes over this template. */
    public Compositor.Patch patch(float[] output, int offset) {
        return Compositor.patch(region, crop, output, offset);
    }

    /**
     * The output frame, this template with {@code patch} over it, encoded: a JPEG is spliced from this
     * template's own (only the segments the face touches are encoded), a PNG is encoded whole.
     */
    public byte[] encode(Compositor.Patch patch) {
        return jpeg != null ? jpeg.withRegion(patch.region(), patch.pixels()) : FrameEncoder.png(patch.over(frame));
    }
}
