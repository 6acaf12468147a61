package io.lipflow.cli;

/** An error the user can fix; the CLI prints its message as one line and exits non-zero. */
public class UserError extends Exception {
    private static final long serialVersionUID = 1L;

    public UserError(String message) {
        super(message);
    }

    public UserError(String message, Throwable cause) {
        super(message, cause);
    }
}
