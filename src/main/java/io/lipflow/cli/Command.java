package io.lipflow.cli;

/** One `./lipflow` sub-command. */
public interface Command {
    /** The word that selects this command, e.g. {@code mel}. */
    String name();

    /** Usage line(s) printed by {@code ./lipflow help}. */
    String usage();

    /** One-line description printed by {@code ./lipflow help}. */
    String summary();

    /**
     * Runs the command.
     *
     * @throws UserError for anything the user can fix (bad input, missing file): printed as one line
     */
    void run(Args args) throws Exception;
}
