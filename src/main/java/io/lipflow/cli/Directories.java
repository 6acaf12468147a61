package io.lipflow.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Checks on the directories commands write into. */
final class Directories {
    private Directories() {}

    /**
     * Creates directory {@code dir} if needed and checks it can be written: an unusable one is named in
     * one line (as {@code option dir: why}) instead of failing later with a stack trace.
     */
    static Path writable(Path dir, String option) throws UserError {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UserError(option + " " + dir + ": cannot be made a directory (" + e + ")");
        }
        if (!Files.isWritable(dir)) {
            throw new UserError(option + " " + dir + ": not writable");
        }
        return dir;
    }

    /** True when directory {@code dir} holds anything. */
    static boolean hasEntries(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isPresent();
        }
    }
}
