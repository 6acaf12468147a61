package io.lipflow;

import java.nio.file.Files;
import java.nio.file.Path;

/** The reference data in ../shared/fixtures (outputs of the original Python implementation). */
public final class Fixtures {
    private Fixtures() {}

    public static Path path(String relative) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared/fixtures").resolve(relative);
            if (Files.exists(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("fixture not found: shared/fixtures/" + relative
                + " (expected ../shared beside the checkout)");
    }
}
