package io.lipflow.frames;

/**
 * Pastes the generator's face back into its template frame (PIPELINE.md §4 output, §5.5): output to
 * bytes, into rows/columns 4..323 of the template's 328x328 crop (its 4-pixel ring stays the template's),
 * bicubic back to the clipped box, over a copy of the template.
 */
public final class Compositor {
    private Compositor() {}

    /** The generator's face resized back to the template's clipped crop box: what a frame replaces. */
    public record Patch(CropBox.Region region, byte[] pixels) {
        /** A copy of {@code template} with this patch written over it. */
        public BgrImage over(BgrImage template) {
            BgrImage frame = template.copy();
            frame.writeRegion(region, pixels);
            return frame;
        }
    }

    /**
     * The composited frame, whole, as the original makes it (the tests' reference; the job writes only the
     * {@link #patch} into its output JPEG).
     *
     * @param template the template frame (not modified)
     * @param box the template's crop box
     * @param crop the template's 328x328 crop ({@link FaceCrop#crop}; not modified)
     * @param output generator output, BGR CHW in (0,1); one frame at {@code output[offset ..]}
     */
    public static BgrImage composite(BgrImage template, CropBox box, byte[] crop, float[] output, int offset) {
        return patch(box.clip(template.width(), template.height()), crop, output, offset).over(template);
    }

    /**
     * What {@link #composite} writes over the template, without the template: {@code region} is its crop
     * box clipped to the frame ({@link CropBox#clip}).
     */
    public static Patch patch(CropBox.Region region, byte[] crop, float[] output, int offset) {
        if (crop.length != FaceCrop.CROP_BYTES) {
            throw new IllegalArgumentException("a crop has " + FaceCrop.CROP_BYTES + " bytes, got " + crop.length);
        }
        if (output.length < offset + FaceCrop.OUTPUT_SIZE) {
            throw new IllegalArgumentException("generator output too short: " + output.length + " floats from offset " + offset);
        }
        byte[] pasted = crop.clone();
        int face = FaceCrop.FACE;
        int plane = face * face;
        for (int y = 0; y < face; y++) {
            int dst = ((y + FaceCrop.BORDER) * FaceCrop.CROP + FaceCrop.BORDER) * 3;
            for (int x = 0; x < face; x++, dst += 3) {
                int src = offset + y * face + x;
                for (int c = 0; c < 3; c++) {
                    pasted[dst + c] = toByte(output[src + c * plane]);
                }
            }
        }
        return new Patch(region, Bicubic.resizeBgr(pasted, FaceCrop.CROP, FaceCrop.CROP, region.width(), region.height()));
    }

    /** v * 255 truncated toward zero and clamped to 0..255, as the original's astype(uint8) after a sigmoid. */
    static byte toByte(float v) {
        int i = (int) (v * 255f);
        return (byte) Math.max(0, Math.min(255, i));
    }
}
