package io.lipflow.frames;

import java.nio.FloatBuffer;

/**
 * The model's side of one template frame (PIPELINE.md §5.1-5.4): the 328x328 bicubic crop of the box and
 * the generator's 6x320x320 input tensor built from it.
 *
 * <p>Coordinates: the face is the inner 320x320 of the crop (rows and columns {@value #BORDER}..323); the
 * mask blacks out x in [{@value #MASK_X0}, {@value #MASK_X1}], y in [{@value #MASK_Y0}, {@value #MASK_Y1}]
 * of the face (310 wide, 305 high), leaving the outer 5-pixel band and the bottom 10 rows visible.
 */
public final class FaceCrop {
    /** Side of the bicubic crop. */
    public static final int CROP = 328;
    /** Side of the model's face image. */
    public static final int FACE = 320;
    /** Ring of the crop around the face that the model never sees and the paste keeps. */
    public static final int BORDER = (CROP - FACE) / 2;
    /** First masked column of the face. */
    public static final int MASK_X0 = 5;
    /** Last masked column of the face (inclusive). */
    public static final int MASK_X1 = 314;
    /** First masked row of the face. */
    public static final int MASK_Y0 = 5;
    /** Last masked row of the face (inclusive). */
    public static final int MASK_Y1 = 309;
    /** Floats in one generator input: 6 x 320 x 320. */
    public static final int INPUT_SIZE = 6 * FACE * FACE;
    /** Floats in one generator output: 3 x 320 x 320. */
    public static final int OUTPUT_SIZE = 3 * FACE * FACE;
    /** Bytes of one 328x328 BGR crop. */
    public static final int CROP_BYTES = CROP * CROP * 3;

    /** byte / 255 for each byte value: a table read is cheaper than a float division. */
    private static final float[] UNIT = new float[256];
    private static final float[] ZEROS = new float[FACE];

    static {
        for (int i = 0; i < 256; i++) {
            UNIT[i] = i / 255f;
        }
    }

    private FaceCrop() {}

    /** The box's clipped region of {@code frame}, resized bicubically to 328x328 (interleaved BGR). */
    public static byte[] crop(BgrImage frame, CropBox box) {
        CropBox.Region region = box.clip(frame.width(), frame.height());
        return Bicubic.resizeBgr(frame.copyRegion(region), region.width(), region.height(), CROP, CROP);
    }

    /** The generator input for one 328x328 crop: a new float[{@link #INPUT_SIZE}]. */
    public static float[] input(byte[] crop) {
        float[] tensor = new float[INPUT_SIZE];
        writeInput(crop, FloatBuffer.wrap(tensor));
        return tensor;
    }

    /**
     * Writes the generator input for one 328x328 crop at {@code dst}'s position and advances it by
     * {@link #INPUT_SIZE}: channels 0-2 the face as B, G, R / 255, channels 3-5 the same with the mask
     * rectangle at 0, each channel row-major (CHW). Row by row through a small scratch array, so a
     * session's direct buffer is written once and no input-sized array is made.
     */
    public static void writeInput(byte[] crop, FloatBuffer dst) {
        if (crop.length != CROP_BYTES) {
            throw new IllegalArgumentException("a crop has " + CROP_BYTES + " bytes, got " + crop.length);
        }
        int base = dst.position();
        int plane = FACE * FACE;
        float[] row = new float[3 * FACE]; // one row of B, then G, then R
        for (int y = 0; y < FACE; y++) {
            int src = ((y + BORDER) * CROP + BORDER) * 3;
            for (int x = 0; x < FACE; x++, src += 3) {
                row[x] = UNIT[crop[src] & 0xff];
                row[FACE + x] = UNIT[crop[src + 1] & 0xff];
                row[2 * FACE + x] = UNIT[crop[src + 2] & 0xff];
            }
            boolean maskedRow = y >= MASK_Y0 && y <= MASK_Y1;
            for (int c = 0; c < 3; c++) {
                int at = base + c * plane + y * FACE;
                dst.put(at, row, c * FACE, FACE);
                // channels 3-5: the same row, with the mask rectangle at 0
                int masked = at + 3 * plane;
                if (maskedRow) {
                    dst.put(masked, row, c * FACE, MASK_X0);
                    dst.put(masked + MASK_X0, ZEROS, 0, MASK_X1 - MASK_X0 + 1);
                    dst.put(masked + MASK_X1 + 1, row, c * FACE + MASK_X1 + 1, FACE - MASK_X1 - 1);
                } else {
                    dst.put(masked, row, c * FACE, FACE);
                }
            }
        }
        dst.position(base + INPUT_SIZE);
    }
}
