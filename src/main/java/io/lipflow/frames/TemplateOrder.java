package io.lipflow.frames;

/**
 * Which template each output frame uses: the ping-pong of PIPELINE.md §5.6 in closed form, so any frame's
 * template follows from its index alone (no state to carry across a stream). With T templates the
 * sequence for frames 0, 1, 2, ... is 1, 2, ..., T-1, T-2, ..., 1, 0, 1, ... (period 2(T-1)); with one
 * template every frame uses template 0.
 */
public final class TemplateOrder {
    private TemplateOrder() {}

    /** The template index (0-based) of output frame {@code frame} (0-based) for {@code templates} templates. */
    public static int templateFor(long frame, int templates) {
        if (templates < 1) {
            throw new IllegalArgumentException("an avatar has at least one template, got " + templates);
        }
        if (frame < 0) {
            throw new IllegalArgumentException("frame index must be non-negative, got " + frame);
        }
        if (templates == 1) {
            return 0;
        }
        long period = 2L * (templates - 1);
        // Frame i takes the (i+1)-th step of the walk 0 -> T-1 -> 0: position m climbs, then descends.
        long m = (frame + 1) % period;
        return (int) (m <= templates - 1 ? m : period - m);
    }
}
