package io.lipflow.frames;

import java.io.Serializable;

/**
 * The square mouth-region box of one template frame (PIPELINE.md §5.1): {@code frame[ymin:ymin+side,
 * xmin:xmin+side]}.
 *
 * <p>Clipping: the end coordinates are clipped to the frame exactly as numpy slicing clips them. A
 * negative start is clipped to 0. That is where this class departs from numpy, which would count a
 * negative start from the far edge and yield an empty or wrapped crop (the original then fails in
 * cv2.resize); a box crossing the top or left edge therefore crops, and pastes back into, the part of the
 * box inside the frame. The crop and the paste always use the same clipped {@link Region}, whose size may
 * be smaller than {@code side}.
 */
public final class CropBox implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Index of the landmark whose x is the box's left edge. */
    public static final int LEFT_LANDMARK = 1;
    /** Index of the landmark whose x is the box's right edge (exclusive). */
    public static final int RIGHT_LANDMARK = 31;
    /** Index of the landmark whose y is the box's top edge. */
    public static final int TOP_LANDMARK = 52;

    private final int xmin;
    private final int ymin;
    private final int side;

    public CropBox(int xmin, int ymin, int side) {
        if (side <= 0) {
            throw new IllegalArgumentException("crop box side must be positive, got " + side);
        }
        this.xmin = xmin;
        this.ymin = ymin;
        this.side = side;
    }

    /**
     * The box from SyncTalk_2D landmarks ({@code [point][x, y]}): coordinates truncated toward zero, then
     * xmin = lm[1].x, xmax = lm[31].x, ymin = lm[52].y, side = xmax - xmin.
     */
    public static CropBox fromLandmarks(float[][] landmarks) {
        int xmin = (int) landmarks[LEFT_LANDMARK][0];
        int xmax = (int) landmarks[RIGHT_LANDMARK][0];
        int ymin = (int) landmarks[TOP_LANDMARK][1];
        if (xmax <= xmin) {
            throw new IllegalArgumentException("landmark " + RIGHT_LANDMARK + " (x " + xmax
                    + ") is not right of landmark " + LEFT_LANDMARK + " (x " + xmin + ")");
        }
        return new CropBox(xmin, ymin, xmax - xmin);
    }

    /** The box from a {@code crop_rectangles.json} rect {@code [x1, y1, x2, y2)} (exclusive end, square). */
    public static CropBox fromRect(int x1, int y1, int x2, int y2) {
        if (x2 - x1 != y2 - y1 || x2 <= x1) {
            throw new IllegalArgumentException("rect [" + x1 + ", " + y1 + ", " + x2 + ", " + y2 + "] is not a non-empty square");
        }
        return new CropBox(x1, y1, x2 - x1);
    }

    public int xmin() {
        return xmin;
    }

    public int ymin() {
        return ymin;
    }

    public int side() {
        return side;
    }

    /**
     * The part of the box inside a {@code width x height} frame.
     *
     * @throws IllegalArgumentException when nothing of the box lies inside the frame
     */
    public Region clip(int width, int height) {
        int x0 = Math.max(0, xmin);
        int y0 = Math.max(0, ymin);
        int x1 = Math.min(width, xmin + side);
        int y1 = Math.min(height, ymin + side);
        if (x1 <= x0 || y1 <= y0) {
            throw new IllegalArgumentException("crop box " + this + " lies outside the " + width + "x" + height + " frame");
        }
        return new Region(x0, y0, x1 - x0, y1 - y0);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CropBox b && b.xmin == xmin && b.ymin == ymin && b.side == side;
    }

    @Override
    public int hashCode() {
        return (xmin * 31 + ymin) * 31 + side;
    }

    @Override
    public String toString() {
        return "[x " + xmin + ", y " + ymin + ", side " + side + "]";
    }

    /** A rectangle of pixels inside a frame: columns x..x+width-1, rows y..y+height-1. */
    public record Region(int x, int y, int width, int height) implements Serializable {}
}
