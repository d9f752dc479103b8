package io.retrainstream.cli.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.retrainstream.cli.FakeHttp;
import io.retrainstream.cli.Main;
import io.retrainstream.cli.TestConsole;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./retrain cancel} against a fake trainer answering as the real one does. */
class CancelCommandTest {

    @TempDir
    Path root;

    @Test
    void cancelsTheRunInProgressByDefault() throws Exception {
        try (FakeHttp trainer = new FakeHttp()
                .route(
                        "/runs",
                        r -> r.method().equals("GET")
                                ? new FakeHttp.Reply(
                                        200,
                                        "[{\"runId\":3,\"status\":\"SUCCEEDED\"},{\"runId\":4,\"status\":\"RUNNING\"}]")
                                : new FakeHttp.Reply(200, "{\"runId\":4,\"status\":\"CANCELLED\"}"))) {
            TestConsole console = new TestConsole(root);
            assertThat(Main.run(new String[] {"cancel", "--trainer", trainer.url()}, console.context))
                    .as(console.err())
                    .isZero();
            assertThat(console.out())
                    .isEqualTo("Cancelled training run 4: nothing was published." + System.lineSeparator());
            assertThat(trainer.requests)
                    .extracting(FakeHttp.Request::method, FakeHttp.Request::pathAndQuery)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple("GET", "/runs"),
                            org.assertj.core.groups.Tuple.tuple("DELETE", "/runs/4"));
        }
    }

    @Test
    void saysWhenThereIsNothingToCancelOrTheRunHasEnded() throws Exception {
        try (FakeHttp trainer = new FakeHttp()
                .route(
                        "/runs/3",
                        r -> new FakeHttp.Reply(
                                409,
                                "{\"message\":\"Run 3 has ended already: SUCCEEDED\",\"runId\":3,\"status\":\"SUCCEEDED\"}"))
                .route("/runs/9", r -> new FakeHttp.Reply(404, "{\"message\":\"No run 9\"}"))
                .route("/runs", r -> new FakeHttp.Reply(200, "[{\"runId\":3,\"status\":\"SUCCEEDED\"}]"))) {
            TestConsole idle = new TestConsole(root);
            assertThat(Main.run(new String[] {"cancel", "--trainer", trainer.url()}, idle.context))
                    .isZero();
            assertThat(idle.out()).contains("No training run is in progress: nothing to cancel.");

            TestConsole ended = new TestConsole(root);
            assertThat(Main.run(new String[] {"cancel", "3", "--trainer", trainer.url()}, ended.context))
                    .isEqualTo(1);
            assertThat(ended.err()).contains("Cannot cancel: Run 3 has ended already: SUCCEEDED");

            TestConsole unknown = new TestConsole(root);
            assertThat(Main.run(new String[] {"cancel", "9", "--trainer", trainer.url()}, unknown.context))
                    .isEqualTo(1);
            assertThat(unknown.err()).contains("The trainer has no run 9");

            TestConsole bad = new TestConsole(root);
            assertThat(Main.run(new String[] {"cancel", "latest"}, bad.context)).isEqualTo(2);
        }
    }

    @Test
    void trainWaitEndsWhenTheRunIsCancelled() throws Exception {
        try (FakeHttp trainer = new FakeHttp()
                .route("/train", r -> new FakeHttp.Reply(202, "{\"runId\":5,\"status\":\"RUNNING\"}"))
                .route(
                        "/runs/5",
                        r -> new FakeHttp.Reply(
                                200,
                                """
                        {"runId":5,"status":"CANCELLED","log":["Step 0: Train accuracy = 40.0%",
                        "Cancellation requested"],"message":"Cancelled on request: no model version was published"}
                        """))) {
            TestConsole console = new TestConsole(root);
            assertThat(Main.run(new String[] {"train", "--wait", "--trainer", trainer.url()}, console.context))
                    .isEqualTo(1);
            assertThat(console.err()).contains("Training run 5 was cancelled: nothing was published.");
        }
    }
}
