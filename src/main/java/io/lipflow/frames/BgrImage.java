package io.lipflow.frames;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

import java.io.Serializable;
import java.util.Arrays;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * An 8-bit BGR image, pixels interleaved row-major (HWC), as OpenCV stores it. This is the plain image
 * type passed between operators; OpenCV {@link Mat}s exist only inside the numerics.
 */
public final class BgrImage implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int width;
    private final int height;
    private final byte[] bgr;

    /** Wraps {@code bgr} (not copied); its length must be {@code width * height * 3}. */
    public BgrImage(int width, int height, byte[] bgr) {
        if (width <= 0 || height <= 0 || bgr.length != width * height * 3) {
            throw new IllegalArgumentException(
                    "BGR image " + width + "x" + height + " needs " + (width * height * 3L) + " bytes, got " + bgr.length);
        }
        this.width = width;
        this.height = height;
        this.bgr = bgr;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** The pixel bytes, B, G, R per pixel, row by row (the array itself, not a copy). */
    public byte[] bgr() {
        return bgr;
    }

    /** The pixels of {@code region} as a new interleaved BGR array (row-major, region-sized). */
    public byte[] copyRegion(CropBox.Region region) {
        byte[] out = new byte[region.width() * region.height() * 3];
        int rowBytes = region.width() * 3;
        for (int r = 0; r < region.height(); r++) {
            System.arraycopy(bgr, ((region.y() + r) * width + region.x()) * 3, out, r * rowBytes, rowBytes);
        }
        return out;
    }

    /** Overwrites {@code region} with {@code pixels} (region-sized interleaved BGR), in place. */
    public void writeRegion(CropBox.Region region, byte[] pixels) {
        int rowBytes = region.width() * 3;
        if (pixels.length != rowBytes * region.height()) {
            throw new IllegalArgumentException("region " + region + " needs " + rowBytes * region.height() + " bytes, got " + pixels.length);
        }
        for (int r = 0; r < region.height(); r++) {
            System.arraycopy(pixels, r * rowBytes, bgr, ((region.y() + r) * width + region.x()) * 3, rowBytes);
        }
    }

    /** A deep copy. */
    public BgrImage copy() {
        return new BgrImage(width, height, bgr.clone());
    }

    /** A new Mat holding a copy of the pixels; the caller closes it. */
    Mat toMat() {
        Mat mat = new Mat(height, width, CV_8UC3);
        mat.data().put(bgr);
        return mat;
    }

    /** Copies an 8-bit 3-channel Mat (continuous or not). */
    static BgrImage fromMat(Mat mat) {
        if (mat.type() != CV_8UC3) {
            throw new IllegalArgumentException("expected an 8-bit 3-channel image, got Mat type " + mat.type());
        }
        byte[] bytes = new byte[mat.rows() * mat.cols() * 3];
        if (mat.isContinuous()) {
            mat.data().get(bytes);
        } else {
            try (Mat dense = mat.clone()) {
                dense.data().get(bytes);
            }
        }
        return new BgrImage(mat.cols(), mat.rows(), bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BgrImage other
                && other.width == width && other.height == height && Arrays.equals(other.bgr, bgr);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * width + height) + Arrays.hashCode(bgr);
    }

    @Override
    public String toString() {
        return "BgrImage[" + width + "x" + height + "]";
    }
}
