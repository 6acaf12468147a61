package io.lipflow.frames;

/** Image helpers for the tests: filled images, rectangles, PSNR. */
final class TestImages {
    private TestImages() {}

    static BgrImage filled(int width, int height, int b, int g, int r) {
        BgrImage image = new BgrImage(width, height, new byte[width * height * 3]);
        fill(image, 0, 0, width, height, b, g, r);
        return image;
    }

    /** Fills columns x0..x1-1, rows y0..y1-1 (clipped to the image). */
    static void fill(BgrImage image, int x0, int y0, int x1, int y1, int b, int g, int r) {
        byte[] px = image.bgr();
        for (int y = Math.max(0, y0); y < Math.min(image.height(), y1); y++) {
            for (int x = Math.max(0, x0); x < Math.min(image.width(), x1); x++) {
                int i = (y * image.width() + x) * 3;
                px[i] = (byte) b;
                px[i + 1] = (byte) g;
                px[i + 2] = (byte) r;
            }
        }
    }

    /** Channel {@code c} (0 = B, 1 = G, 2 = R) of pixel (x, y), 0..255. */
    static int channel(BgrImage image, int x, int y, int c) {
        return image.bgr()[(y * image.width() + x) * 3 + c] & 0xff;
    }

    /** PSNR in dB between two images over a region (infinite when equal). */
    static double psnr(BgrImage a, BgrImage b, CropBox.Region region) {
        double sum = 0;
        for (int y = region.y(); y < region.y() + region.height(); y++) {
            for (int x = region.x(); x < region.x() + region.width(); x++) {
                for (int c = 0; c < 3; c++) {
                    double d = channel(a, x, y, c) - channel(b, x, y, c);
                    sum += d * d;
                }
            }
        }
        double mse = sum / (region.width() * (double) region.height() * 3);
        return mse == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(255.0 * 255.0 / mse);
    }

    /** Number of pixels outside {@code region} where the images differ. */
    static long differingOutside(BgrImage a, BgrImage b, CropBox.Region region) {
        long count = 0;
        for (int y = 0; y < a.height(); y++) {
            for (int x = 0; x < a.width(); x++) {
                boolean inside = x >= region.x() && x < region.x() + region.width()
                        && y >= region.y() && y < region.y() + region.height();
                if (!inside && (channel(a, x, y, 0) != channel(b, x, y, 0) || channel(a, x, y, 1) != channel(b, x, y, 1)
                        || channel(a, x, y, 2) != channel(b, x, y, 2))) {
                    count++;
                }
            }
        }
        return count;
    }

    /** The mirror generator: its output is channels 0-2 of its input (the unmasked face). */
    static float[] mirror(float[] input) {
        return java.util.Arrays.copyOf(input, FaceCrop.OUTPUT_SIZE);
    }
}
