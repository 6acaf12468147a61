package io.lipflow.frames;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads the avatar layouts users already have (PIPELINE.md §6): a SyncTalk_2D dataset directory
 * ({@code full_body_img/<j>.jpg} + {@code landmarks/<j>.lms}), or frames ({@code full_body_img/<j>.jpg}
 * or {@code <j>.jpg}/{@code <j>.png} in the directory itself) beside a {@code crop_rectangles.json}.
 * When a directory has both, the landmarks win: they are what the model's boxes were made from.
 */
final class SyncTalkLayout {
    static final String IMAGES = "full_body_img";
    static final String LANDMARKS = "landmarks";
    static final String CROP_RECTANGLES = "crop_rectangles.json";
    private static final Pattern FRAME_FILE = Pattern.compile("(\\d+)\\.(jpg|jpeg|png)", Pattern.CASE_INSENSITIVE);

    private SyncTalkLayout() {}

    /** Whether {@code dir} looks like one of the layouts this class reads. */
    static boolean matches(Path dir) {
        return Files.isDirectory(dir.resolve(IMAGES)) || Files.isRegularFile(dir.resolve(CROP_RECTANGLES));
    }

    /** The frames and boxes of the dataset in {@code dir}; every frame's files and box are checked here. */
    static Avatar read(Path dir, String id) throws AvatarException {
        Path images = Files.isDirectory(dir.resolve(IMAGES)) ? dir.resolve(IMAGES) : dir;
        TreeMap<Integer, Path> frames = numberedFiles(images, FRAME_FILE, id);
        boolean rects = !Files.isDirectory(dir.resolve(LANDMARKS)) && Files.isRegularFile(dir.resolve(CROP_RECTANGLES));
        List<CropBox> boxes;
        int count;
        if (rects) {
            JsonNode json = readRects(dir.resolve(CROP_RECTANGLES), id);
            count = Math.max(frames.isEmpty() ? 0 : frames.lastKey() + 1, json.size());
            boxes = new ArrayList<>();
            for (int j = 0; j < count; j++) {
                boxes.add(rectBox(json, j, id));
            }
        } else {
            Path lmsDir = dir.resolve(LANDMARKS);
            if (!Files.isDirectory(lmsDir)) { // neither landmarks nor crop rectangles
                throw new AvatarException("avatar '" + id + "': " + dir + " has " + IMAGES + "/ but neither "
                        + LANDMARKS + "/ nor " + CROP_RECTANGLES);
            }
            TreeMap<Integer, Path> lms = numberedFiles(lmsDir, Pattern.compile("(\\d+)\\.lms"), id);
            count = Math.max(frames.isEmpty() ? 0 : frames.lastKey() + 1, lms.isEmpty() ? 0 : lms.lastKey() + 1);
            boxes = new ArrayList<>();
            for (int j = 0; j < count; j++) {
                Path file = lms.get(j);
                if (file == null) {
                    throw AvatarException.atFrame(id, j, LANDMARKS + "/" + j + ".lms is missing");
                }
                boxes.add(landmarkBox(file, j, id));
            }
        }
        if (count == 0) {
            throw new AvatarException("avatar '" + id + "': no frames in " + images);
        }
        List<Path> files = new ArrayList<>();
        for (int j = 0; j < count; j++) {
            Path file = frames.get(j);
            if (file == null) {
                throw AvatarException.atFrame(id, j, dir.relativize(images.resolve(j + ".jpg")) + " is missing");
            }
            files.add(file);
        }
        return new Avatar(id, dir, "synctalk2d" + (rects ? "+crop_rectangles" : "") + ":" + dir.toAbsolutePath(), files, boxes);
    }

    private static TreeMap<Integer, Path> numberedFiles(Path dir, Pattern name, String id) throws AvatarException {
        TreeMap<Integer, Path> files = new TreeMap<>();
        try (Stream<Path> list = Files.list(dir)) {
            for (Path p : (Iterable<Path>) list::iterator) {
                Matcher m = name.matcher(p.getFileName().toString());
                if (m.matches() && m.group(1).length() < 9) {
                    Path previous = files.put(Integer.parseInt(m.group(1)), p);
                    if (previous != null) {
                        throw AvatarException.atFrame(id, Integer.parseInt(m.group(1)),
                                "two files: " + previous.getFileName() + " and " + p.getFileName());
                    }
                }
            }
        } catch (IOException e) {
            throw new AvatarException("avatar '" + id + "': cannot list " + dir + ": " + e.getMessage(), e);
        }
        return files;
    }

    private static CropBox landmarkBox(Path file, int j, String id) throws AvatarException {
        float[][] points;
        try {
            points = Landmarks.parse(Files.readString(file, StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            throw AvatarException.atFrame(id, j, "cannot read " + LANDMARKS + "/" + file.getFileName() + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw AvatarException.atFrame(id, j, LANDMARKS + "/" + file.getFileName() + ": " + e.getMessage());
        }
        if (points.length != Landmarks.POINTS) {
            throw AvatarException.atFrame(id, j, LANDMARKS + "/" + file.getFileName() + " has " + points.length
                    + " points, expected " + Landmarks.POINTS);
        }
        try {
            return CropBox.fromLandmarks(points);
        } catch (IllegalArgumentException e) {
            throw AvatarException.atFrame(id, j, LANDMARKS + "/" + file.getFileName() + ": " + e.getMessage());
        }
    }

    private static JsonNode readRects(Path file, String id) throws AvatarException {
        try {
            JsonNode json = new ObjectMapper().readTree(file.toFile());
            if (json == null || !json.isObject()) {
                throw new AvatarException("avatar '" + id + "': " + CROP_RECTANGLES + " is not a JSON object");
            }
            return json;
        } catch (IOException e) {
            throw new AvatarException("avatar '" + id + "': cannot read " + CROP_RECTANGLES + ": " + e.getMessage(), e);
        }
    }

    private static CropBox rectBox(JsonNode json, int j, String id) throws AvatarException {
        JsonNode rect = json.path(Integer.toString(j)).path("rect");
        if (!rect.isArray() || rect.size() != 4) {
            throw AvatarException.atFrame(id, j, CROP_RECTANGLES + " has no \"rect\": [x1, y1, x2, y2] for \"" + j + "\"");
        }
        int[] r = new int[4];
        for (int i = 0; i < 4; i++) {
            if (!rect.get(i).isNumber()) {
                throw AvatarException.atFrame(id, j, CROP_RECTANGLES + " rect " + rect + " is not four numbers");
            }
            r[i] = rect.get(i).asInt();
        }
        try {
            return CropBox.fromRect(r[0], r[1], r[2], r[3]);
        } catch (IllegalArgumentException e) {
            throw AvatarException.atFrame(id, j, CROP_RECTANGLES + ": " + e.getMessage());
        }
    }
}
