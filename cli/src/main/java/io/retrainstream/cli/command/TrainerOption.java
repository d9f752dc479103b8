package io.retrainstream.cli.command;

import io.retrainstream.cli.Context;
import io.retrainstream.cli.stack.Service;
import io.retrainstream.cli.stack.State;
import picocli.CommandLine.Option;

/** {@code --trainer URL}, shared by the commands that talk to the trainer. */
public final class TrainerOption {

    @Option(
            names = "--trainer",
            paramLabel = "URL",
            description = "the trainer (default: the one ./retrain up started, else http://127.0.0.1:8082)")
    private String url;

    /** The trainer given, else the one {@code ./retrain up} started, else the default address. */
    String url(Context context) {
        return url != null ? url : State.defaultUrl(context.workspace(), Service.TRAINER);
    }
}
