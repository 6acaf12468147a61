package io.lipflow.frames;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * A template frame's JPEG, cut at its restart markers, from which the JPEG of a frame that differs from
 * the template only inside one region is spliced: the restart segments the region touches are encoded
 * again and every other segment is the template's own bytes. The result is byte for byte the JPEG that
 * OpenCV writes for the whole frame at the same quality and restart interval, and it decodes to the
 * same pixels as one without restart markers; but a face is about a tenth of a 1280x720 frame, so a
 * frame costs a tenth of the encoding and no full-frame copy.
 *
 * <p>Restart markers reset the entropy coder's DC prediction, so each segment codes its MCUs (16x16
 * pixels at 4:2:0) on its own. The interval divides the MCUs of a row, so segments never cross rows and
 * form a grid: {@link #segmentWidth()} pixels wide, one MCU high.
 */
public final class TemplateJpeg {
    private static final int MAX_RESTART_MCUS = 8; // 128-pixel segments at 4:2:0
    private static final int SOF0 = 0xC0;
    private static final int SOF1 = 0xC1;
    private static final int DHT = 0xC4;
    private static final int DQT = 0xDB;
    private static final int DRI = 0xDD;
    private static final int SOS = 0xDA;
    private static final int EOI = 0xD9;
    private static final int RST0 = 0xD0;

    private final int quality;
    private final Layout layout;
    private final byte[] jpeg;
    /** The template's pixels a splice may encode again: whole segments around the editable region. */
    private final BgrImage segments;
    private final CropBox.Region segmentsAt;

    private TemplateJpeg(int quality, Layout layout, byte[] jpeg, BgrImage segments, CropBox.Region segmentsAt) {
        this.quality = quality;
        this.layout = layout;
        this.jpeg = jpeg;
        this.segments = segments;
        this.segmentsAt = segmentsAt;
    }

    /**
     * Encodes {@code template} at {@code quality} (1..100) with restart markers and indexes its segments;
     * only regions inside {@code editable} may be replaced later, so only the pixels of the segments it
     * touches are kept (for a face in a 1280x720 frame, a tenth of them or less).
     */
    public static TemplateJpeg encode(BgrImage template, int quality, CropBox.Region editable) {
        // 4:2:0 MCUs are 16 pixels wide; the interval must divide a row's MCUs so no segment wraps a row
        int rowMcus = (template.width() + 15) / 16;
        int restartMcus = MAX_RESTART_MCUS;
        while (rowMcus % restartMcus != 0) {
            restartMcus--;
        }
        byte[] jpeg = FrameEncoder.jpeg(template, quality, restartMcus);
        Layout layout = Layout.parse(jpeg);
        if (layout.mcuWidth != 16 || layout.mcuHeight != 16 || layout.restartMcus != restartMcus
                || layout.width != template.width() || layout.height != template.height()) {
            throw new IllegalStateException("OpenCV wrote a JPEG this splicer does not know: " + layout);
        }
        CropBox.Region at = layout.segmentsAround(layout.inside(editable));
        return new TemplateJpeg(quality, layout, jpeg, new BgrImage(at.width(), at.height(), template.copyRegion(at)), at);
    }

    /** Width in pixels of one restart segment: the grain at which a frame is encoded again. */
    public int segmentWidth() {
        return layout.segmentWidth();
    }

    /** Bytes held: the template's JPEG and the pixels of its editable segments. */
    public long bytes() {
        return (long) jpeg.length + segments.bgr().length;
    }

    /**
     * The JPEG of the template with {@code region} replaced by {@code pixels} (region-sized interleaved
     * BGR, as {@link BgrImage#writeRegion}); {@code region} lies inside the editable one.
     */
    public byte[] withRegion(CropBox.Region region, byte[] pixels) {
        CropBox.Region at = layout.segmentsAround(layout.inside(region));
        int x0 = at.x();
        int y0 = at.y();
        if (x0 < segmentsAt.x() || y0 < segmentsAt.y() || x0 + at.width() > segmentsAt.x() + segmentsAt.width()
                || y0 + at.height() > segmentsAt.y() + segmentsAt.height()) {
            throw new IllegalArgumentException("region " + region + " is outside the editable " + segmentsAt);
        }
        BgrImage patch = new BgrImage(at.width(), at.height(), segments.copyRegion(
                new CropBox.Region(x0 - segmentsAt.x(), y0 - segmentsAt.y(), at.width(), at.height())));
        patch.writeRegion(new CropBox.Region(region.x() - x0, region.y() - y0, region.width(), region.height()), pixels);
        byte[] patchJpeg = FrameEncoder.jpeg(patch, quality, layout.restartMcus);
        Layout patchLayout = Layout.parse(patchJpeg);
        if (!Arrays.equals(patchLayout.tables, layout.tables) || patchLayout.restartMcus != layout.restartMcus
                || patchLayout.mcuWidth != layout.mcuWidth || patchLayout.mcuHeight != layout.mcuHeight) {
            throw new IllegalStateException("OpenCV encoded a patch unlike its template: " + patchLayout + " against " + layout);
        }

        int rowSegments = layout.segmentsPerRow();
        int patchRowSegments = patchLayout.segmentsPerRow();
        int patchRows = patchLayout.segmentCount() / patchRowSegments;
        int firstRow = y0 / layout.mcuHeight;
        int firstColumn = x0 / segmentWidth();
        int segments = layout.segmentCount();
        ByteArrayOutputStream out = new ByteArrayOutputStream(jpeg.length + patchJpeg.length);
        out.write(jpeg, 0, layout.headerEnd);
        for (int s = 0; s < segments; s++) {
            int row = s / rowSegments - firstRow;
            int column = s % rowSegments - firstColumn;
            if (row >= 0 && row < patchRows && column >= 0 && column < patchRowSegments) {
                patchLayout.copySegment(patchJpeg, row * patchRowSegments + column, out);
            } else {
                layout.copySegment(jpeg, s, out);
            }
            if (s < segments - 1) {
                out.write(0xFF);
                out.write(RST0 + s % 8);
            }
        }
        out.write(0xFF);
        out.write(EOI);
        return out.toByteArray();
    }

    /** Where a baseline JPEG's header ends and each restart segment of its scan lies. */
    private record Layout(int width, int height, int mcuWidth, int mcuHeight, int restartMcus, byte[] tables,
                          int headerEnd, int[] segmentStart, int[] segmentEnd) {

        int segmentWidth() {
            return restartMcus * mcuWidth;
        }

        int segmentsPerRow() {
            return (width + mcuWidth - 1) / mcuWidth / restartMcus;
        }

        /** {@code region}, refused unless it lies inside the image and is not empty. */
        CropBox.Region inside(CropBox.Region region) {
            if (region.x() < 0 || region.y() < 0 || region.width() <= 0 || region.height() <= 0
                    || region.x() + region.width() > width || region.y() + region.height() > height) {
                throw new IllegalArgumentException("region " + region + " is not inside the " + width + "x" + height + " template");
            }
            return region;
        }

        /** The whole segments {@code region} touches (up to the image's edge): what a splice encodes again. */
        CropBox.Region segmentsAround(CropBox.Region region) {
            int segW = segmentWidth();
            int x0 = region.x() / segW * segW;
            int y0 = region.y() / mcuHeight * mcuHeight;
            int x1 = Math.min(width, ceil(region.x() + region.width(), segW));
            int y1 = Math.min(height, ceil(region.y() + region.height(), mcuHeight));
            return new CropBox.Region(x0, y0, x1 - x0, y1 - y0);
        }

        private static int ceil(int value, int grain) {
            return (value + grain - 1) / grain * grain;
        }

        int segmentCount() {
            return segmentStart.length;
        }

        /** Appends segment {@code s} of {@code jpeg} (whose layout this is), without its marker. */
        void copySegment(byte[] jpeg, int s, ByteArrayOutputStream out) {
            out.write(jpeg, segmentStart[s], segmentEnd[s] - segmentStart[s]);
        }

        static Layout parse(byte[] jpeg) {
            if (u8(jpeg, 0) != 0xFF || u8(jpeg, 1) != 0xD8) {
                throw new IllegalStateException("not a JPEG");
            }
            int width = 0;
            int height = 0;
            int hMax = 0;
            int vMax = 0;
            int restart = 0;
            ByteArrayOutputStream tables = new ByteArrayOutputStream();
            int p = 2;
            while (true) {
                if (u8(jpeg, p) != 0xFF) {
                    throw new IllegalStateException("JPEG marker expected at " + p);
                }
                int marker = u8(jpeg, p + 1);
                int length = u16(jpeg, p + 2);
                if (marker == SOF0 || marker == SOF1) {
                    height = u16(jpeg, p + 5);
                    width = u16(jpeg, p + 7);
                    for (int c = 0; c < u8(jpeg, p + 9); c++) {
                        int sampling = u8(jpeg, p + 11 + 3 * c);
                        hMax = Math.max(hMax, sampling >> 4);
                        vMax = Math.max(vMax, sampling & 15);
                    }
                } else if (marker == DQT || marker == DHT) {
                    tables.write(jpeg, p, 2 + length);
                } else if (marker == DRI) {
                    restart = u16(jpeg, p + 4);
                } else if (marker == SOS) {
                    p += 2 + length;
                    break;
                } else if (marker >= 0xC2 && marker <= 0xCF && marker != DHT && marker != 0xC8 && marker != 0xCC) {
                    throw new IllegalStateException("not a baseline JPEG (marker " + Integer.toHexString(marker) + ")");
                }
                p += 2 + length;
            }
            if (restart == 0 || hMax == 0) {
                throw new IllegalStateException("JPEG without restart markers or frame header");
            }
            int headerEnd = p;
            int mcuWidth = 8 * hMax;
            int mcuHeight = 8 * vMax;
            int mcus = ((width + mcuWidth - 1) / mcuWidth) * ((height + mcuHeight - 1) / mcuHeight);
            int segments = (mcus + restart - 1) / restart;
            int[] start = new int[segments];
            int[] end = new int[segments];
            int s = 0;
            start[0] = p;
            for (int i = p; i < jpeg.length - 1; i++) {
                if (jpeg[i] != (byte) 0xFF) {
                    continue;
                }
                int m = u8(jpeg, i + 1);
                if ((m >= RST0 && m <= RST0 + 7) || m == EOI) {
                    end[s++] = i;
                    if (m == EOI) {
                        break;
                    }
                    if (s == segments) {
                        throw new IllegalStateException("JPEG has more restart segments than its " + segments);
                    }
                    start[s] = i + 2;
                    i++;
                }
            }
            if (s != segments) {
                throw new IllegalStateException("JPEG has " + s + " restart segments, expected " + segments);
            }
            return new Layout(width, height, mcuWidth, mcuHeight, restart, tables.toByteArray(), headerEnd, start, end);
        }

        private static int u8(byte[] b, int i) {
            return b[i] & 0xff;
        }

        private static int u16(byte[] b, int i) {
            return (u8(b, i) << 8) | u8(b, i + 1);
        }

        @Override
        public String toString() {
            return width + "x" + height + ", MCU " + mcuWidth + "x" + mcuHeight + ", restart every " + restartMcus + " MCUs";
        }
    }
}
