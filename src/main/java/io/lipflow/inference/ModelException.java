package io.lipflow.inference;

/** A problem with a model file or an inference device that the user can fix; the message says what. */
public class ModelException extends Exception {
    private static final long serialVersionUID = 1L;

    public ModelException(String message) {
        super(message);
    }

    public ModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
