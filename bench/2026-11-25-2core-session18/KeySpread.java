import org.apache.flink.runtime.state.KeyGroupRangeAssignment;

import java.util.Arrays;

/**
 * Scratch: how many of the bench's speakers ("s0".."sN-1") each subtask of a keyed operator gets, with Flink's
 * key groups (max parallelism 128, Flink's default below parallelism 86). Usage: KeySpread SPEAKERS PARALLELISM.
 */
public class KeySpread {
    public static void main(String[] a) {
        int speakers = Integer.parseInt(a[0]), parallelism = Integer.parseInt(a[1]);
        int[] perSubtask = new int[parallelism];
        for (int s = 0; s < speakers; s++) {
            perSubtask[KeyGroupRangeAssignment.assignKeyToParallelOperator("s" + s, 128, parallelism)]++;
        }
        System.out.println(speakers + " speakers over " + parallelism + " subtasks: " + Arrays.toString(perSubtask));
    }
}
