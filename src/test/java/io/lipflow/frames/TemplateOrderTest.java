package io.lipflow.frames;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TemplateOrderTest {

    /** The loop of PIPELINE.md §5.6 as written, except that one template always gives template 0. */
    private static int[] simulate(int templates, int frames) {
        int[] out = new int[frames];
        int idx = 0;
        int step = 0;
        for (int i = 0; i < frames; i++) {
            if (templates == 1) {
                out[i] = 0;
                continue;
            }
            if (idx > templates - 2) {
                step = -1;
            }
            if (idx < 1) {
                step = 1;
            }
            idx += step;
            out[i] = idx;
        }
        return out;
    }

    @Test
    void closedFormMatchesTheLoopOverSeveralPeriods() {
        for (int templates : new int[] {1, 2, 3, 523}) {
            int frames = Math.max(20, 5 * 2 * (templates - 1) + 7);
            int[] expected = simulate(templates, frames);
            for (int i = 0; i < frames; i++) {
                assertEquals(expected[i], TemplateOrder.templateFor(i, templates), "T=" + templates + " frame " + i);
            }
        }
    }

    @Test
    void smallSequencesAsSpelledOut() {
        int[] three = {1, 2, 1, 0, 1, 2, 1, 0};
        int[] two = {1, 0, 1, 0, 1};
        for (int i = 0; i < three.length; i++) {
            assertEquals(three[i], TemplateOrder.templateFor(i, 3));
        }
        for (int i = 0; i < two.length; i++) {
            assertEquals(two[i], TemplateOrder.templateFor(i, 2));
        }
        assertEquals(0, TemplateOrder.templateFor(12345, 1));
    }

    @Test
    void largeIndexUsesThePeriod() {
        // 523 templates: period 1044; frame 1043 is the end of a period (template 0), 1044 starts again at 1.
        assertEquals(522, TemplateOrder.templateFor(521, 523));
        assertEquals(521, TemplateOrder.templateFor(522, 523));
        assertEquals(0, TemplateOrder.templateFor(1043, 523));
        assertEquals(1, TemplateOrder.templateFor(1044L * 1_000_000 + 1044, 523));
    }

    @Test
    void rejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> TemplateOrder.templateFor(0, 0));
        assertThrows(IllegalArgumentException.class, () -> TemplateOrder.templateFor(-1, 5));
    }
}
