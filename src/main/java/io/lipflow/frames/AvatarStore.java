package io.lipflow.frames;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.IntConsumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * LipFlow's avatar store: one directory per avatar under a root,
 *
 * <pre>
 * &lt;root&gt;/&lt;id&gt;/avatar.json      {"format": "lipflow-avatar/1", "id", "frames", "width", "height",
 *                            "frameFormat": "jpg"|"png", "source", "created"}
 * &lt;root&gt;/&lt;id&gt;/boxes.csv        frame,xmin,ymin,side  (one line per template, the crop box before clipping)
 * &lt;root&gt;/&lt;id&gt;/frames/00000.jpg  the template frames, 0-based, all the same size
 * </pre>
 *
 * An avatar is written into a temporary sibling directory and renamed into place when complete, so a
 * store never holds a half-imported avatar.
 */
public final class AvatarStore {
    /** Name of the metadata file that marks a store avatar directory. */
    public static final String METADATA = "avatar.json";
    static final String FORMAT = "lipflow-avatar/1";
    static final String BOXES = "boxes.csv";
    static final String FRAMES = "frames";
    private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private final Path root;

    public AvatarStore(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    /** Directory of avatar {@code id} (which need not exist). */
    public Path dir(String id) throws AvatarException {
        return root.resolve(checkId(id));
    }

    /**
     * Whether {@code name} is safe as one file or directory name (avatar, speaker and utterance ids):
     * 1..64 letters, digits, '.', '_', '-', starting with a letter or digit, and no "..".
     */
    public static boolean isSafeName(String name) {
        return name != null && SAFE_ID.matcher(name).matches() && !name.contains("..");
    }

    /**
     * Returns {@code id} if it is a safe directory name: 1..64 characters from letters, digits, '.', '_',
     * '-', starting with a letter or digit, and no "..".
     */
    public static String checkId(String id) throws AvatarException {
        if (!isSafeName(id)) {
            throw new AvatarException("avatar id '" + id + "' is not allowed: use 1-64 letters, digits, '.', '_' or '-',"
                    + " starting with a letter or digit");
        }
        return id;
    }

    /**
     * Copies {@code source} into the store as {@code id}, decoding every frame to check it (readable,
     * same size as the others). Frames keep their encoded bytes; a source mixing JPEG and PNG is stored
     * as PNG (lossless from the decoded pixels).
     *
     * @param progress told the number of frames done after each frame
     */
    public Avatar importAvatar(Avatar source, String id, IntConsumer progress) throws AvatarException, IOException {
        String format = source.frameExtension(0);
        for (int j = 1; j < source.frameCount(); j++) {
            if (!source.frameExtension(j).equals(format)) {
                format = "png";
            }
        }
        try (Writer writer = create(id, source.source(), format)) {
            for (int j = 0; j < source.frameCount(); j++) {
                byte[] encoded = source.encodedFrame(j);
                BgrImage image = source.decode(j, encoded);
                writer.addFrame(source.frameExtension(j).equals(format) ? encoded : FrameEncoder.png(image));
                progress.accept(j + 1);
            }
            return writer.commit(source.boxes(), source.width(), source.height());
        }
    }

    /**
     * Starts writing avatar {@code id}; frames are added in order, then {@link Writer#commit} makes it
     * visible. Refuses an id that is already in the store.
     *
     * @param frameFormat {@code jpg} or {@code png}: the encoding of the bytes given to addFrame
     */
    public Writer create(String id, String source, String frameFormat) throws AvatarException, IOException {
        Path target = dir(id);
        if (Files.exists(target)) {
            throw new AvatarException("avatar '" + id + "' already exists in " + root + " (choose another --id or remove "
                    + target + ")");
        }
        Files.createDirectories(root);
        return new Writer(id, source, frameFormat, target, Files.createTempDirectory(root, "." + id + ".importing-"));
    }

    /** Writes one avatar into a temporary directory; {@link #close()} without commit removes it. */
    public final class Writer implements AutoCloseable {
        private final String id;
        private final String source;
        private final String format;
        private final Path target;
        private final Path temp;
        private int frames;
        private boolean committed;

        private Writer(String id, String source, String format, Path target, Path temp) throws IOException {
            if (!format.equals("jpg") && !format.equals("png")) {
                throw new IllegalArgumentException("frame format must be jpg or png, got " + format);
            }
            this.id = id;
            this.source = source;
            this.format = format;
            this.target = target;
            this.temp = temp;
            Files.createDirectories(temp.resolve(FRAMES));
        }

        /** Appends the next template frame, already encoded in the writer's frame format. */
        public void addFrame(byte[] encoded) throws IOException {
            Files.write(temp.resolve(FRAMES).resolve(frameName(frames++, format)), encoded);
        }

        /** Writes boxes and metadata and moves the avatar into place. */
        public Avatar commit(List<CropBox> boxes, int width, int height) throws AvatarException, IOException {
            if (boxes.size() != frames) {
                throw new IllegalArgumentException(frames + " frames but " + boxes.size() + " boxes");
            }
            StringBuilder csv = new StringBuilder("frame,xmin,ymin,side\n");
            for (int j = 0; j < boxes.size(); j++) {
                CropBox b = boxes.get(j);
                csv.append(j).append(',').append(b.xmin()).append(',').append(b.ymin()).append(',').append(b.side()).append('\n');
            }
            Files.writeString(temp.resolve(BOXES), csv, StandardCharsets.US_ASCII);
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode meta = mapper.createObjectNode()
                    .put("format", FORMAT)
                    .put("id", id)
                    .put("frames", frames)
                    .put("width", width)
                    .put("height", height)
                    .put("frameFormat", format)
                    .put("source", source)
                    .put("created", Instant.now().toString());
            mapper.writerWithDefaultPrettyPrinter().writeValue(temp.resolve(METADATA).toFile(), meta);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            committed = true;
            return read(target);
        }

        @Override
        public void close() throws IOException {
            if (!committed) {
                deleteTree(temp);
            }
        }
    }

    /** Reads a store avatar directory (metadata, boxes, frame file list); frames are decoded on demand. */
    static Avatar read(Path dir) throws AvatarException {
        // The directory name is the id the store knows it by; avatar.json's copy is for people reading it.
        String id = dir.toAbsolutePath().normalize().getFileName().toString();
        try {
            JsonNode meta = new ObjectMapper().readTree(dir.resolve(METADATA).toFile());
            if (!FORMAT.equals(meta.path("format").asText())) {
                throw new AvatarException("avatar '" + id + "': " + METADATA + " is not format " + FORMAT);
            }
            int count = meta.path("frames").asInt(-1);
            if (count < 1) {
                throw new AvatarException("avatar '" + id + "': " + METADATA + " says " + count + " frames; an avatar needs one at least");
            }
            String format = meta.path("frameFormat").asText("jpg");
            List<CropBox> boxes = readBoxes(dir.resolve(BOXES), id);
            if (boxes.size() != count) {
                throw new AvatarException("avatar '" + id + "': " + BOXES + " has " + boxes.size() + " boxes, "
                        + METADATA + " says " + count + " frames");
            }
            List<Path> files = new ArrayList<>();
            for (int j = 0; j < count; j++) {
                Path file = dir.resolve(FRAMES).resolve(frameName(j, format));
                if (!Files.isRegularFile(file)) {
                    throw AvatarException.atFrame(id, j, FRAMES + "/" + file.getFileName() + " is missing");
                }
                files.add(file);
            }
            return new Avatar(id, dir, meta.path("source").asText(""), files, boxes,
                    meta.path("width").asInt(), meta.path("height").asInt());
        } catch (IOException e) {
            throw new AvatarException("avatar '" + id + "': cannot read " + dir + ": " + e.getMessage(), e);
        }
    }

    private static List<CropBox> readBoxes(Path file, String id) throws IOException, AvatarException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
        List<CropBox> boxes = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            String[] f = lines.get(i).split(",");
            try {
                if (f.length != 4 || Integer.parseInt(f[0].strip()) != boxes.size()) {
                    throw new IllegalArgumentException("expected 'frame,xmin,ymin,side' for frame " + boxes.size());
                }
                boxes.add(new CropBox(Integer.parseInt(f[1].strip()), Integer.parseInt(f[2].strip()),
                        Integer.parseInt(f[3].strip())));
            } catch (IllegalArgumentException e) {
                throw AvatarException.atFrame(id, boxes.size(), BOXES + " line " + (i + 1) + ": " + e.getMessage());
            }
        }
        return boxes;
    }

    static String frameName(int j, String format) {
        return String.format(Locale.ROOT, "%05d.%s", j, format); // ASCII digits: the same names on every JVM
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
