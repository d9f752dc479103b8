package io.retrainstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.retrainstream.common.testing.FreePorts;
import io.retrainstream.common.testing.SharedData;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in a real browser (Debian's headless Chromium, driven by Selenium) on the real stack of
 * {@code ./retrain up}: the packaged services, the broker, MobileNet and flowers-small with tulips held back. It
 * classifies a photo and reads the top label from the page, adds 20 tulips photos (a class the model has never seen)
 * and watches the served version change and tulips appear, opens a run and finds its confusion matrix, pins and unpins
 * a version with the admin token, and takes the screenshots the README shows (1280 x 800, and one at a phone's 390 px).
 */
class ConsoleBrowserIT {

    private static final Path CHROMIUM = Path.of(System.getProperty("console.chromium", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER =
            Path.of(System.getProperty("console.chromedriver", "/usr/bin/chromedriver"));
    private static final List<String> PUBLISHED = List.of("daisy", "dandelion", "roses", "sunflowers");
    private static final String TAUGHT = "tulips";
    private static final int TAUGHT_PHOTOS = 20;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private CliWorkspace workspace;
    private WebDriver browser;
    private Path screenshots;
    private int trainerPort;
    private int classifierPort;

    @BeforeEach
    void start() throws IOException {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            throw new AssertionError("The console's browser test needs Chromium and its driver at " + CHROMIUM + " and "
                    + CHROMEDRIVER + ": install them with `sudo apt-get install chromium chromium-driver` (.ci/run "
                    + "does), or point -Dconsole.chromium and -Dconsole.chromedriver at them");
        }
        workspace = CliWorkspace.create("console");
        screenshots = Files.createDirectories(workspace.root().resolveSibling("console-screenshots"));
    }

    @AfterEach
    void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (workspace != null && Files.exists(workspace.root().resolve(".retrain"))) {
            System.out.print(workspace.cli("down", "--purge").output());
        }
    }

    @Test
    void classifyTeachANewClassWatchItServedAndReadARun() throws Exception {
        long began = System.nanoTime();
        up();
        Path fourClasses = Files.createDirectories(workspace.root().resolve("four-classes"));
        for (String label : PUBLISHED) {
            Files.createSymbolicLink(
                    fourClasses.resolve(label), SharedData.flowers().resolve(label));
        }
        cli("publish", "--image-dir", fourClasses.toString(), "--wait");
        CliWorkspace.Result train = workspace.cli("train", "--wait");
        // continuous mode trains while the photos stream in: the gate may keep this cold run back, a model is served
        assertThat(train.status() == 0 || train.output().contains("was not published (the serving model stays)"))
                .as(train.output())
                .isTrue();
        long stackReady = System.nanoTime();

        browser = chromium();
        viewport(1280, 800, false);
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        browser.get("http://127.0.0.1:" + trainerPort + "/console/");
        wait.until(ExpectedConditions.textMatches(
                By.id("served-version"), java.util.regex.Pattern.compile("version \\d+")));
        long servedBefore = served().get("version").asLong();

        // Classify: the page's top label and version are the classifier's own answer for the photo
        // a daisy the served model gets right: which model serves (a continuous run's, or the cold run's if the gate
        // let it through) varies from run to run, and the page is under test here, not one photo's accuracy
        Path daisy = null;
        for (Path candidate : photos("daisy", 10)) {
            if ("daisy"
                    .equals(classifyDirectly(candidate)
                            .at("/predictions/0/label")
                            .asText())) {
                daisy = candidate;
                break;
            }
        }
        assertThat(daisy).as("one of the first 10 daisies classified as daisy").isNotNull();
        browser.findElement(By.id("classify-file")).sendKeys(daisy.toString());
        WebElement top =
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#classify-result li")));
        JsonNode answer = classifyDirectly(daisy);
        assertThat(top.getAttribute("data-label"))
                .isEqualTo(answer.at("/predictions/0/label").asText());
        assertThat(top.getAttribute("data-label")).isEqualTo("daisy");
        assertThat(browser.findElements(By.cssSelector("#classify-result li"))).hasSize(4);
        assertThat(browser.findElement(By.id("classify-version")).getText())
                .contains("model version " + answer.get("modelVersion").asLong());
        screenshot("classify");

        // Teach: 20 photos of a class the model has never seen; the admin token is asked for on the 401
        browser.findElement(By.cssSelector("a[data-tab=teach]")).click();
        wait.until(
                ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#dataset-table tr[data-class=daisy]")));
        browser.findElement(By.id("teach-label")).sendKeys(TAUGHT);
        browser.findElement(By.id("teach-files"))
                .sendKeys(photos(TAUGHT, TAUGHT_PHOTOS).stream()
                        .map(Path::toString)
                        .collect(Collectors.joining("\n")));
        browser.findElement(By.id("teach-submit")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token-input")))
                .sendKeys(Files.readString(workspace.root().resolve(".retrain/admin-token"))
                        .strip());
        browser.findElement(By.id("token-save")).click();
        wait.until(ExpectedConditions.attributeToBe(By.id("teach-status"), "data-published", "" + TAUGHT_PHOTOS));
        long taught = System.nanoTime();
        new WebDriverWait(browser, Duration.ofMinutes(6))
                .until(ExpectedConditions.textToBePresentInElementLocated(By.id("served-classes"), TAUGHT));
        long servedAfter = Long.parseLong(
                browser.findElement(By.id("served-version")).getText().replaceAll("\\D+", ""));
        assertThat(servedAfter).isGreaterThan(servedBefore);
        assertThat(served().get("labels").toString()).contains(TAUGHT);
        long learned = System.nanoTime();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(
                By.cssSelector("#dataset-table tr[data-class=tulips] td:last-child"), "✓"));
        screenshot("teach");

        // Runs: the newest run that published, its curves, confusion matrix and misclassified photos
        browser.findElement(By.cssSelector("a[data-tab=runs]")).click();
        long runId = newestPublishedRun();
        click(wait, By.cssSelector("#runs-list button[data-run='" + runId + "']"));
        WebElement matrix = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("confusion")));
        assertThat(matrix.findElements(By.cssSelector("thead th")).stream().map(WebElement::getText))
                .contains("daisy", "dandelion", "roses", "sunflowers", TAUGHT);
        assertThat(matrix.findElements(By.cssSelector("tbody tr"))).hasSize(5);
        assertThat(browser.findElement(By.cssSelector("#run-curve canvas"))
                        .getSize()
                        .getHeight())
                .isPositive();
        List<WebElement> thumbs = browser.findElements(By.cssSelector(".thumbs img"));
        if (!thumbs.isEmpty()) {
            ((JavascriptExecutor) browser).executeScript("arguments[0].scrollIntoView()", thumbs.get(0));
            wait.until(driver -> (Boolean) ((JavascriptExecutor) driver)
                    .executeScript("return arguments[0].complete && arguments[0].naturalWidth > 0", thumbs.get(0)));
        }
        screenshot("runs");

        // Models: roll back to the version served before the new class, then follow the newest again
        browser.findElement(By.cssSelector("a[data-tab=models]")).click();
        click(wait, By.cssSelector("#models-table tr[data-version='" + servedBefore + "'] button"));
        wait.until(ExpectedConditions.textToBe(By.id("served-version"), "version " + servedBefore + " (pinned)"));
        assertThat(served().get("pinned").asLong()).isEqualTo(servedBefore);
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("models-status"), "pinned"));
        screenshot("models");
        click(wait, By.id("unpin"));
        wait.until(driver -> {
            String text = driver.findElement(By.id("served-version")).getText();
            return text.matches("version \\d+") && Long.parseLong(text.replaceAll("\\D+", "")) >= servedAfter;
        });
        JsonNode unpinned = served();
        assertThat(unpinned.get("pinned").isNull()).isTrue();
        assertThat(unpinned.get("version").asLong()).isGreaterThanOrEqualTo(servedAfter);

        // A phone's width: one column, the classify panel still whole
        viewport(390, 844, true);
        browser.findElement(By.cssSelector("a[data-tab=classify]")).click();
        Path roses = photos("roses", 1).get(0);
        browser.findElement(By.id("classify-file")).sendKeys(roses.toString());
        wait.until(ExpectedConditions.attributeToBe(
                By.cssSelector("#classify-result li"),
                "data-label",
                classifyDirectly(roses).at("/predictions/0/label").asText()));
        Object wider = ((JavascriptExecutor) browser)
                .executeScript("const width = document.documentElement.clientWidth;"
                        + " return [...document.querySelectorAll('body *')]"
                        + ".filter(e => e.offsetParent !== null && e.getBoundingClientRect().right > width + 0.5)"
                        + ".map(e => e.tagName + '#' + e.id + '.' + e.className + ' '"
                        + " + Math.round(e.getBoundingClientRect().right)).slice(0, 10)");
        assertThat((List<?>) wider).as("elements wider than the phone's 390 px").isEmpty();
        screenshot("phone");

        System.out.printf(
                Locale.ROOT,
                "Console: stack up, 600 photos published and trained in %.0f s; 20 %s photos added to served as a "
                        + "new class in %.1f s (version %d -> %d); whole test %.0f s; screenshots in %s%n",
                (stackReady - began) / 1e9,
                TAUGHT,
                (learned - taught) / 1e9,
                servedBefore,
                servedAfter,
                (System.nanoTime() - began) / 1e9,
                screenshots);
    }

    /** Clicks the element once it is there and shown; the page redraws its lists as they change, so it may retry. */
    private static void click(WebDriverWait wait, By locator) {
        wait.ignoring(StaleElementReferenceException.class)
                .ignoring(NoSuchElementException.class)
                .until(driver -> {
                    WebElement element = driver.findElement(locator);
                    if (!element.isDisplayed() || !element.isEnabled()) {
                        return false;
                    }
                    element.click();
                    return true;
                });
    }

    /** The page's viewport, exactly (a window's size would include its frame), as a phone when {@code mobile}. */
    private void viewport(int width, int height, boolean mobile) {
        ((ChromeDriver) browser)
                .executeCdpCommand(
                        "Emulation.setDeviceMetricsOverride",
                        java.util.Map.of("width", width, "height", height, "deviceScaleFactor", 1, "mobile", mobile));
    }

    /** Headless Chromium of the system at 1280 x 800, through the system's chromedriver (Selenium Manager not used). */
    private static WebDriver chromium() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless=new",
                "--window-size=1280,800",
                "--no-sandbox",
                "--disable-dev-shm-usage",
                "--disable-gpu",
                "--hide-scrollbars",
                "--force-device-scale-factor=1",
                "--lang=en-US");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        return new ChromeDriver(service, options);
    }

    private void screenshot(String name) throws IOException {
        ((JavascriptExecutor) browser).executeScript("window.scrollTo(0, 0)");
        Path file = screenshots.resolve("console-" + name + ".png");
        Files.write(file, ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    }

    private void up() throws Exception {
        int kafka = FreePorts.pair();
        classifierPort = FreePorts.any();
        trainerPort = FreePorts.any();
        cli(
                "up",
                "--model-dir",
                SharedData.models().toString(),
                "--kafka-port",
                Integer.toString(kafka),
                "--classifier-port",
                Integer.toString(classifierPort),
                "--extractor-port",
                Integer.toString(FreePorts.any()),
                "--trainer-port",
                Integer.toString(trainerPort),
                "--timeout",
                "180");
    }

    private void cli(String... args) throws IOException, InterruptedException {
        CliWorkspace.Result result = workspace.cli(args);
        System.out.println("$ ./retrain " + String.join(" ", args) + " -> exit " + result.status());
        assertThat(result.status()).as(result.output()).isZero();
    }

    private JsonNode served() throws IOException, InterruptedException {
        return JSON.readTree(get("http://127.0.0.1:" + classifierPort + "/model"));
    }

    private long newestPublishedRun() throws IOException, InterruptedException {
        long newest = -1;
        for (JsonNode run : JSON.readTree(get("http://127.0.0.1:" + trainerPort + "/runs"))) {
            if (run.get("status").asText().equals("SUCCEEDED")
                    && run.path("report").path("labels").toString().contains(TAUGHT)) {
                newest = Math.max(newest, run.get("runId").asLong());
            }
        }
        assertThat(newest).as("a published run that learned " + TAUGHT).isPositive();
        return newest;
    }

    private JsonNode classifyDirectly(Path photo) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + classifierPort + "/classify?top_k=5"))
                        .header("Content-Type", "image/jpeg")
                        .POST(HttpRequest.BodyPublishers.ofFile(photo))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static String get(String url) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(url + ": " + response.body()).isEqualTo(200);
        return response.body();
    }

    private static List<Path> photos(String label, int count) throws IOException {
        try (Stream<Path> files = Files.list(SharedData.flowers().resolve(label))) {
            return files.filter(p -> p.toString().endsWith(".jpg"))
                    .sorted()
                    .limit(count)
                    .toList();
        }
    }
}
