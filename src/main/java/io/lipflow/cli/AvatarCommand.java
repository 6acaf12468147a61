package io.lipflow.cli;

import io.lipflow.output.Mp4Writer;
import io.lipflow.frames.Avatar;
import io.lipflow.frames.AvatarException;
import io.lipflow.frames.AvatarStore;
import io.lipflow.frames.DemoAvatar;
import io.lipflow.frames.VideoAvatarImporter;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.IntConsumer;

/**
 * {@code ./lipflow avatar import|demo}: imports an avatar into the store from a SyncTalk_2D dataset, frames
 * with a crop_rectangles.json, or a plain video; or draws the demo avatar.
 */
public final class AvatarCommand implements Command {
    private final PrintStream out;

    public AvatarCommand() {
        this(System.out);
    }

    AvatarCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public String name() {
        return "avatar";
    }

    @Override
    public String usage() {
        return "import --from DIR|VIDEO --store DIR [--id NAME] [--max-frames N]\n"
                + "demo --out DIR [--frames N] [--video] [--store DIR]";
    }

    @Override
    public String summary() {
        return "import an avatar (SyncTalk_2D dataset, frames + crop_rectangles.json, or video); draw the demo avatar";
    }

    @Override
    public void run(Args args) throws Exception {
        String sub = args.positional().isEmpty() ? "" : args.positional().get(0);
        if (args.positional().size() > 1) {
            throw new UserError("unexpected argument '" + args.positional().get(1) + "'");
        }
        try {
            switch (sub) {
                case "import" -> importAvatar(args);
                case "demo" -> demo(args);
                default -> throw new UserError("expected 'avatar import' or 'avatar demo'" + (sub.isEmpty() ? "" : ", got 'avatar " + sub + "'"));
            }
        } catch (AvatarException e) {
            throw new UserError(e.getMessage(), e);
        }
    }

    private void importAvatar(Args args) throws Exception {
        Path from = args.path("from");
        AvatarStore store = new AvatarStore(args.path("store"));
        int maxFrames = args.intValue("max-frames", 0, 0, Integer.MAX_VALUE); // 0: all
        String id = args.get("id", null);
        args.finish();
        if (!Files.exists(from)) {
            throw new UserError(from + " does not exist");
        }
        if (id == null) {
            String name = from.toAbsolutePath().normalize().getFileName().toString();
            id = (Files.isDirectory(from) ? name : name.replaceFirst("\\.[^.]*$", "")).replaceAll("[^A-Za-z0-9._-]", "_");
        }
        AvatarStore.checkId(id);
        long start = System.nanoTime();
        Avatar avatar;
        if (Files.isDirectory(from)) {
            if (maxFrames > 0) {
                throw new UserError("--max-frames applies to video import only");
            }
            Avatar source = Avatar.open(from);
            out.println("importing " + source);
            avatar = store.importAvatar(source, id, progress("checked and copied", source.frameCount()));
        } else {
            out.println("importing video " + from + " (face box from OpenCV's Haar face detector)");
            avatar = VideoAvatarImporter.importVideo(from, store, id, maxFrames, progress("read", maxFrames));
        }
        out.printf(Locale.ROOT, "imported avatar '%s': %d frames %dx%d into %s in %.1f s%n", avatar.id(),
                avatar.frameCount(), avatar.width(), avatar.height(), store.dir(avatar.id()), seconds(start));
    }

    private void demo(Args args) throws Exception {
        Path dir = args.path("out");
        int frames = args.intValue("frames", DemoAvatar.FRAMES, 1, Integer.MAX_VALUE);
        boolean video = args.flag("video");
        Path storeRoot = args.has("store") ? args.path("store") : null;
        args.finish();
        if (Files.isDirectory(dir) && Directories.hasEntries(dir)) {
            throw new UserError(dir + " is not empty; choose a new directory for --out");
        }
        Directories.writable(dir, "--out");
        long start = System.nanoTime();
        out.println("drawing " + frames + " demo frames " + DemoAvatar.WIDTH + "x" + DemoAvatar.HEIGHT + " into " + dir);
        DemoAvatar.writeDataset(dir, frames);
        String extra = "";
        if (video) {
            Path mp4 = dir.resolve("demo.mp4");
            Mp4Writer.write(mp4, frames, DemoAvatar::frame, null);
            extra += ", video " + mp4;
        }
        if (storeRoot != null) {
            AvatarStore store = new AvatarStore(storeRoot);
            Avatar avatar = store.importAvatar(Avatar.open(dir), "demo", progress("imported", frames));
            extra += ", imported as '" + avatar.id() + "' into " + store.dir(avatar.id());
        }
        out.printf(Locale.ROOT, "demo avatar: %d frames (SyncTalk_2D layout) in %s%s in %.1f s%n", frames, dir, extra, seconds(start));
    }

    /** Prints a progress line every tenth of {@code total} (every 25 frames when the total is unknown). */
    private IntConsumer progress(String verb, int total) {
        int every = total > 0 ? Math.max(1, total / 10) : 25;
        return done -> {
            if (done % every == 0 || done == total) {
                out.println("  " + verb + " " + done + (total > 0 ? "/" + total : "") + " frames");
            }
        };
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
