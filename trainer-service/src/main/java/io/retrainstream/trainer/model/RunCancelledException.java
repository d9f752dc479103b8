package io.retrainstream.trainer.model;

/** A training run stopped because it was cancelled ({@code DELETE /runs/{id}}). */
public class RunCancelledException extends RuntimeException {

    public RunCancelledException() {
        super("The run was cancelled", null, false, false);
    }
}
