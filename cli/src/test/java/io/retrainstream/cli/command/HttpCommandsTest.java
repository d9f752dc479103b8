package io.retrainstream.cli.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.retrainstream.cli.FakeHttp;
import io.retrainstream.cli.Main;
import io.retrainstream.cli.TestConsole;
import io.retrainstream.cli.stack.ServiceHttp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train} and {@code classify} against fake services answering as the real ones do. */
class HttpCommandsTest {

    @TempDir
    Path root;

    @Test
    void trainWaitPrintsTheRunsLogOnceAndItsResult() throws Exception {
        AtomicInteger polls = new AtomicInteger();
        AtomicInteger modelPolls = new AtomicInteger();
        try (FakeHttp trainer = new FakeHttp()
                .route("/train", r -> new FakeHttp.Reply(202, "{\"runId\":7,\"status\":\"RUNNING\"}"))
                .route(
                        "/runs/7",
                        r -> polls.incrementAndGet() == 1
                                ? new FakeHttp.Reply(
                                        200,
                                        """
                                {"runId":7,"status":"RUNNING","log":["Looking for images in 'daisy'",
                                "Step 0: Train accuracy = 40.0%"]}""")
                                : new FakeHttp.Reply(
                                        200,
                                        """
                                {"runId":7,"status":"SUCCEEDED","log":["Looking for images in 'daisy'",
                                "Step 0: Train accuracy = 40.0%","Step 99: Train accuracy = 90.0%"],
                                "modelVersion":3,"testAccuracy":0.859,"testCount":78,"message":null}"""))
                // the classifier: no model for a while, then the previous version, then the new one
                .route("/model", r -> switch (modelPolls.incrementAndGet()) {
                    case 1 -> new FakeHttp.Reply(503, "{\"message\":\"No model has been published yet\"}");
                    case 2 -> new FakeHttp.Reply(200, "{\"version\":2}");
                    default -> new FakeHttp.Reply(200, "{\"version\":3}");
                })) {
            TestConsole console = new TestConsole(root);
            int status = Main.run(
                    new String[] {"train", "--wait", "--trainer", trainer.url(), "--classifier", trainer.url()},
                    console.context);

            assertThat(status).as(console.err()).isZero();
            assertThat(console.out())
                    .isEqualTo(String.join(
                            System.lineSeparator(),
                            "Started training run 7 (RUNNING)",
                            "Looking for images in 'daisy'",
                            "Step 0: Train accuracy = 40.0%",
                            "Step 99: Train accuracy = 90.0%",
                            "Final test accuracy = 85.9% (N=78)",
                            "Published model version 3",
                            "The classifier serves model version 3",
                            ""));
            assertThat(trainer.requests.get(0).method()).isEqualTo("POST");
            assertThat(modelPolls.get()).isEqualTo(3);
        }
    }

    @Test
    void trainPassesRetrainPyOptionsAndPrintsTheReport() throws Exception {
        try (FakeHttp trainer = new FakeHttp()
                .route("/train", r -> new FakeHttp.Reply(202, "{\"runId\":2,\"status\":\"RUNNING\"}"))
                .route(
                        "/runs/2",
                        r -> new FakeHttp.Reply(
                                200,
                                """
                        {"runId":2,"status":"SUCCEEDED","log":["Final test accuracy = 75.0% (N=4)"],
                        "modelVersion":1,"testAccuracy":0.75,"testCount":4,"report":{
                        "parameters":{"how_many_training_steps":500,"mode":"retrain"},"feature":"bottleneck",
                        "architecture":"mobilenet_0.25_128","images":{"training":10},"chosen":"the last step (499)",
                        "labels":["daisy","roses"],"confusion":[[2,1],[0,1]],
                        "classes":[{"label":"daisy","precision":1.0,"recall":0.6667,"support":3},
                                   {"label":"roses","precision":0.5,"recall":1.0,"support":1}],
                        "hitRate":0.75,"meanScoreHits":0.9,"meanScoreMisses":0.6,
                        "misclassified":[{"imageId":"daisy/1.jpg","label":"daisy","predicted":"roses","score":0.6}],
                        "timingsMillis":{"total":1234}}}"""))
                .route("/model", r -> new FakeHttp.Reply(200, "{\"version\":1}"))) {
            TestConsole console = new TestConsole(root);
            int status = Main.run(
                    new String[] {
                        "train",
                        "--wait",
                        "--trainer",
                        trainer.url(),
                        "--classifier",
                        trainer.url(),
                        "--no-wait-for-photos",
                        "--how_many_training_steps",
                        "500",
                        "--mode",
                        "retrain",
                        "--print_misclassified_test_images",
                        "--flip_left_right",
                        "--random_crop",
                        "10",
                        "--random_brightness",
                        "5"
                    },
                    console.context);

            assertThat(status).as(console.err()).isZero();
            FakeHttp.Request request = trainer.requests.get(0);
            assertThat(request.contentType()).startsWith("application/json");
            assertThat(ServiceHttp.JSON.readTree(request.body()))
                    .isEqualTo(ServiceHttp.JSON.readTree(
                            "{\"wait_for_extraction\":false,\"how_many_training_steps\":\"500\",\"mode\":\"retrain\","
                                    + "\"print_misclassified_test_images\":true,\"flip_left_right\":true,"
                                    + "\"random_crop\":\"10\",\"random_brightness\":\"5\"}"));
            assertThat(console.out())
                    .contains("Parameters: how_many_training_steps=500, mode=retrain")
                    .contains("Confusion matrix")
                    .containsPattern("daisy\\s+2\\s+1")
                    .containsPattern("roses\\s+50\\.0%\\s+100\\.0%\\s+1")
                    .contains("Hit rate 75.0%, mean score of hits 0.90000, of misses 0.60000")
                    .contains("daisy/1.jpg  roses (score = 0.60000)")
                    .contains("Timings (ms): {\"total\":1234}");
        }
    }

    @Test
    void trainRefusesABadOptionWithTheTrainersMessage() throws Exception {
        try (FakeHttp trainer = new FakeHttp()
                .route(
                        "/train",
                        r -> new FakeHttp.Reply(
                                400, "{\"message\":\"how_many_training_steps must be positive, got -1\"}"))) {
            TestConsole console = new TestConsole(root);
            int status = Main.run(
                    new String[] {"train", "--trainer", trainer.url(), "--how_many_training_steps", "-1"},
                    console.context);
            assertThat(status).isNotZero();
            assertThat(console.err()).contains("how_many_training_steps must be positive, got -1");
        }
    }

    @Test
    void trainLetsTheRunInProgressEndThenStartsItsOwnAndFailsWithItsMessage() throws Exception {
        AtomicInteger posts = new AtomicInteger();
        AtomicInteger polls = new AtomicInteger();
        try (FakeHttp trainer = new FakeHttp()
                .route(
                        "/train",
                        r -> posts.incrementAndGet() == 1
                                ? new FakeHttp.Reply(
                                        409,
                                        "{\"message\":\"Run 4 is in progress\",\"runId\":4,\"trigger\":\"CONTINUOUS\"}")
                                : new FakeHttp.Reply(202, "{\"runId\":5,\"status\":\"RUNNING\"}"))
                .route(
                        "/runs/4",
                        r -> new FakeHttp.Reply(
                                200,
                                "{\"runId\":4,\"status\":\""
                                        + (polls.incrementAndGet() == 1 ? "RUNNING" : "SUCCEEDED")
                                        + "\",\"log\":[]}"))
                .route(
                        "/runs/5",
                        r -> new FakeHttp.Reply(
                                200, "{\"runId\":5,\"status\":\"FAILED\",\"log\":[],\"message\":\"out of memory\"}"))) {
            TestConsole console = new TestConsole(root);
            int status = Main.run(new String[] {"train", "--wait", "--trainer", trainer.url()}, console.context);

            // run 4 (say, a continuous run) may have started before the last photos arrived: not the user's run
            assertThat(status).isEqualTo(1);
            assertThat(console.out())
                    .contains("Waiting for training run 4 (CONTINUOUS) to finish first")
                    .contains("Started training run 5 (RUNNING)");
            assertThat(console.err()).contains("Training run 5 failed: out of memory");
            assertThat(posts.get()).isEqualTo(2);
        }
    }

    @Test
    void trainWaitSaysThePromotionGateKeptTheRunBackAndWhichVersionIsServed() throws Exception {
        try (FakeHttp services = new FakeHttp()
                .route("/train", r -> new FakeHttp.Reply(202, "{\"runId\":3,\"status\":\"RUNNING\"}"))
                .route(
                        "/runs/3",
                        r -> new FakeHttp.Reply(
                                200,
                                "{\"runId\":3,\"status\":\"REJECTED\",\"log\":[],\"message\":\"Not published: "
                                        + "worse: test accuracy 76.9% vs 78.2% of serving version 2\"}"))
                .route("/model", r -> new FakeHttp.Reply(200, "{\"version\":2}"))) {
            TestConsole console = new TestConsole(root);
            int status = Main.run(
                    new String[] {"train", "--wait", "--trainer", services.url(), "--classifier", services.url()},
                    console.context);

            assertThat(status).isEqualTo(1);
            assertThat(console.out())
                    .contains("Training run 3 was not published (the serving model stays): Not published: worse")
                    .contains("Add --force_publish to publish it anyway.")
                    .contains("The classifier serves model version 2");
        }
    }

    @Test
    void trainPrintsWhyTheTrainerRefuses() throws Exception {
        try (FakeHttp trainer = new FakeHttp()
                .route(
                        "/train",
                        r -> new FakeHttp.Reply(422, "{\"message\":\"Only one class (daisy): need at least 2\"}"))) {
            TestConsole console = new TestConsole(root);
            int status = Main.run(new String[] {"train", "--trainer", trainer.url() + "/"}, console.context);

            assertThat(status).isEqualTo(1);
            assertThat(console.err()).contains("Only one class (daisy): need at least 2");
        }
    }

    @Test
    void trainWithoutWaitOnlyStartsTheRun() throws Exception {
        try (FakeHttp trainer =
                new FakeHttp().route("/train", r -> new FakeHttp.Reply(202, "{\"runId\":1,\"status\":\"QUEUED\"}"))) {
            TestConsole console = new TestConsole(root);
            assertThat(Main.run(new String[] {"train", "--trainer", trainer.url()}, console.context))
                    .isZero();
            assertThat(console.out())
                    .contains("Started training run 1 (QUEUED)")
                    .contains("train --wait");
        }
    }

    @Test
    void classifyPostsTheBytesAndPrintsLikeLabelImage() throws Exception {
        Path image = root.resolve("flower.PNG");
        Files.write(image, new byte[] {9, 8, 7});
        try (FakeHttp classifier = new FakeHttp()
                .route(
                        "/classify",
                        r -> new FakeHttp.Reply(
                                200,
                                """
                {"modelVersion":3,"architecture":"mobilenet_0.25_128","predictions":[
                {"label":"daisy","score":0.99071},{"label":"roses","score":0.00929}]}"""))) {
            TestConsole console = new TestConsole(root);
            int status = Main.run(
                    new String[] {"classify", "flower.PNG", "--top-k", "2", "--classifier", classifier.url()},
                    console.context);

            assertThat(status).as(console.err()).isZero();
            assertThat(console.out())
                    .isEqualTo(String.join(
                            System.lineSeparator(),
                            "flower.PNG (model version 3, mobilenet_0.25_128):",
                            "daisy (score = 0.99071)",
                            "roses (score = 0.00929)",
                            ""));
            FakeHttp.Request request = classifier.requests.get(0);
            assertThat(request.method()).isEqualTo("POST");
            assertThat(request.pathAndQuery()).isEqualTo("/classify?top_k=2");
            assertThat(request.contentType()).isEqualTo("image/png");
            assertThat(request.body()).containsExactly(9, 8, 7);
        }
    }

    @Test
    void classifyExplainsAMissingModel() throws Exception {
        Files.write(root.resolve("a.jpg"), new byte[] {1});
        try (FakeHttp classifier = new FakeHttp()
                .route(
                        "/classify",
                        r -> new FakeHttp.Reply(503, "{\"message\":\"No model has been published yet\"}"))) {
            TestConsole console = new TestConsole(root);
            int status = Main.run(
                    new String[] {"classify", "a.jpg", "missing.jpg", "--classifier", classifier.url()},
                    console.context);

            assertThat(status).isEqualTo(1);
            assertThat(console.err())
                    .contains("a.jpg: the classifier replied HTTP 503: No model has been published yet")
                    .contains("./retrain train --wait")
                    .contains("missing.jpg: cannot read it");
        }
    }

    @Test
    void saysWhatToDoWhenNothingAnswers() {
        TestConsole console = new TestConsole(root);
        int status = Main.run(new String[] {"train", "--trainer", "http://127.0.0.1:1"}, console.context);
        assertThat(status).isEqualTo(1);
        assertThat(console.err())
                .contains("Nothing answers at http://127.0.0.1:1/train")
                .contains("./retrain up");
    }

    @Test
    void everyCallCarriesTheAdminTokenFromItsFile() throws Exception {
        Files.createDirectories(root.resolve(".retrain"));
        Files.writeString(root.resolve(".retrain/admin-token"), "s3cret-Token_1\n");
        try (FakeHttp trainer = new FakeHttp()
                .route("/train", r -> new FakeHttp.Reply(202, "{\"runId\":1,\"status\":\"QUEUED\"}"))
                .route("/models", r -> new FakeHttp.Reply(200, "{\"versions\":[],\"serving\":null}"))) {
            TestConsole train = new TestConsole(root);
            assertThat(Main.run(new String[] {"train", "--trainer", trainer.url()}, train.context))
                    .as(train.err())
                    .isZero();
            TestConsole unpin = new TestConsole(root);
            assertThat(Main.run(new String[] {"unpin", "--trainer", trainer.url()}, unpin.context))
                    .as(unpin.err())
                    .isZero();

            assertThat(trainer.requests).extracting(FakeHttp.Request::method).containsExactly("POST", "DELETE");
            assertThat(trainer.requests)
                    .extracting(FakeHttp.Request::authorization)
                    .containsOnly("Bearer s3cret-Token_1");
        }
    }

    @Test
    void noTokenNoHeader() throws Exception {
        try (FakeHttp trainer =
                new FakeHttp().route("/train", r -> new FakeHttp.Reply(202, "{\"runId\":1,\"status\":\"QUEUED\"}"))) {
            TestConsole console = new TestConsole(root);
            assertThat(Main.run(new String[] {"train", "--trainer", trainer.url()}, console.context))
                    .isZero();
            assertThat(trainer.requests.get(0).authorization()).isNull();
        }
    }

    @Test
    void aRefusedTokenSaysWhereTheTokenIsReadFrom() throws Exception {
        try (FakeHttp trainer =
                new FakeHttp().route("/models", r -> new FakeHttp.Reply(401, "{\"message\":\"Unauthorized\"}"))) {
            TestConsole without = new TestConsole(root);
            assertThat(Main.run(new String[] {"rollback", "2", "--trainer", trainer.url()}, without.context))
                    .isEqualTo(1);
            assertThat(without.err())
                    .contains("POST " + trainer.url() + "/models/2/pin was refused (HTTP 401)")
                    .contains("no token was found")
                    .contains("$RETRAIN_ADMIN_TOKEN when set, else .retrain/admin-token");

            Files.createDirectories(root.resolve(".retrain"));
            Files.writeString(root.resolve(".retrain/admin-token"), "old-token\n");
            TestConsole wrong = new TestConsole(root);
            assertThat(Main.run(new String[] {"rollback", "2", "--trainer", trainer.url()}, wrong.context))
                    .isEqualTo(1);
            assertThat(wrong.err())
                    .contains("refused the one from .retrain/admin-token")
                    .doesNotContain("old-token");
        }
    }
}
