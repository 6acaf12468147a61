package io.lipflow.frames;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * An avatar: the person's template frames (all the same size) and the crop box of each. Opened from a
 * LipFlow store directory or directly from a SyncTalk_2D dataset directory; frames are read from disk on
 * demand. Problems are reported as {@link AvatarException}s naming the avatar and the frame.
 */
public final class Avatar {
    private final String id;
    private final Path dir;
    private final String source;
    private final List<Path> frameFiles;
    private final List<CropBox> boxes;
    private final int width;
    private final int height;

    /**
     * Checks that every box overlaps the frame; {@code width <= 0} takes the size from frame 0.
     */
    Avatar(String id, Path dir, String source, List<Path> frameFiles, List<CropBox> boxes, int width, int height)
            throws AvatarException {
        if (frameFiles.size() != boxes.size()) {
            throw new IllegalArgumentException(frameFiles.size() + " frames but " + boxes.size() + " boxes");
        }
        this.id = id;
        this.dir = dir;
        this.source = source;
        this.frameFiles = List.copyOf(frameFiles);
        this.boxes = List.copyOf(boxes);
        if (width <= 0) {
            BgrImage first = decode(0, encodedFrame(0));
            width = first.width();
            height = first.height();
        }
        this.width = width;
        this.height = height;
        for (int j = 0; j < boxes.size(); j++) {
            try {
                boxes.get(j).clip(width, height);
            } catch (IllegalArgumentException e) {
                throw AvatarException.atFrame(id, j, e.getMessage());
            }
        }
    }

    Avatar(String id, Path dir, String source, List<Path> frameFiles, List<CropBox> boxes) throws AvatarException {
        this(id, dir, source, frameFiles, boxes, 0, 0);
    }

    /**
     * Opens the avatar in {@code dir}: a LipFlow store avatar (has {@code avatar.json}) or a SyncTalk_2D
     * dataset ({@code full_body_img/} with {@code landmarks/} or {@code crop_rectangles.json}), whose id is
     * the directory's name.
     */
    public static Avatar open(Path dir) throws AvatarException {
        if (Files.isRegularFile(dir.resolve(AvatarStore.METADATA))) {
            return AvatarStore.read(dir);
        }
        String id = dir.toAbsolutePath().normalize().getFileName() == null
                ? "avatar" : dir.toAbsolutePath().normalize().getFileName().toString();
        if (!Files.isDirectory(dir)) {
            throw new AvatarException("avatar '" + id + "': " + dir + " is not a directory");
        }
        if (SyncTalkLayout.matches(dir)) {
            return SyncTalkLayout.read(dir, id);
        }
        throw new AvatarException("avatar '" + id + "': " + dir + " is neither a LipFlow avatar (" + AvatarStore.METADATA
                + ") nor a SyncTalk_2D dataset (" + SyncTalkLayout.IMAGES + "/ with " + SyncTalkLayout.LANDMARKS
                + "/ or " + SyncTalkLayout.CROP_RECTANGLES + ")");
    }

    public String id() {
        return id;
    }

    /** Where the avatar came from, e.g. {@code synctalk2d:/data/anna} or {@code video:/clips/anna.mp4}. */
    public String source() {
        return source;
    }

    public int frameCount() {
        return frameFiles.size();
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** Crop box of template {@code j}. */
    public CropBox box(int j) {
        return boxes.get(j);
    }

    /** The crop boxes, by template index. */
    public List<CropBox> boxes() {
        return boxes;
    }

    /** The file extension of template {@code j}'s image, lower case, {@code jpeg} written {@code jpg}. */
    public String frameExtension(int j) {
        String name = frameFiles.get(j).getFileName().toString();
        String ext = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
        return ext.equals("jpeg") ? "jpg" : ext;
    }

    /** The encoded image file of template {@code j}, as stored. */
    public byte[] encodedFrame(int j) throws AvatarException {
        try {
            return Files.readAllBytes(frameFiles.get(j));
        } catch (IOException e) {
            throw AvatarException.atFrame(id, j, "cannot read " + name(j) + ": " + e.getMessage());
        }
    }

    /** Template {@code j}, decoded. */
    public BgrImage frame(int j) throws AvatarException {
        return decode(j, encodedFrame(j));
    }

    /**
     * Decodes template {@code j}'s encoded bytes and checks it has the avatar's size.
     */
    BgrImage decode(int j, byte[] encoded) throws AvatarException {
        BgrImage image;
        try {
            image = FrameEncoder.decode(encoded);
        } catch (IllegalArgumentException e) {
            throw AvatarException.atFrame(id, j, name(j) + " is " + e.getMessage());
        }
        if (width > 0 && (image.width() != width || image.height() != height)) {
            throw AvatarException.atFrame(id, j, name(j) + " is " + image.width() + "x" + image.height()
                    + ", the avatar's frames are " + width + "x" + height);
        }
        return image;
    }

    private String name(int j) {
        Path file = frameFiles.get(j);
        return file.startsWith(dir) ? dir.relativize(file).toString() : file.toString();
    }

    @Override
    public String toString() {
        return "avatar '" + id + "' (" + frameCount() + " frames " + width + "x" + height + ", " + source + ")";
    }
}
