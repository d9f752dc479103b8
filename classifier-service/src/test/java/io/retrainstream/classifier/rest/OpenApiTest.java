package io.retrainstream.classifier.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.retrainstream.common.testing.KafkaBrokerResource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The classifier's OpenAPI document holds every classifier endpoint the README lists, with descriptions. */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerResource.class)
class OpenApiTest {

    private static final Pattern ENDPOINT = Pattern.compile("`(GET|POST|PUT|DELETE) (/[^`\\s]*)`");

    @Test
    void everyClassifierEndpointInTheReadmeIsDocumented() throws IOException {
        JsonPath document = given().queryParam("format", "json")
                .get("/q/openapi")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        Map<String, Map<String, Object>> paths = document.getMap("paths");
        List<String> documented = new ArrayList<>();
        paths.forEach((path, operations) -> operations
                .keySet()
                .forEach(method -> documented.add(method.toUpperCase(Locale.ROOT) + " " + normalise(path))));

        List<String> listed = readmeEndpoints("classifier");
        assertThat(listed).as("classifier endpoints in the README").hasSizeGreaterThan(15);
        for (String endpoint : listed) {
            if (endpoint.contains(" /q/")) {
                continue; // Quarkus' own endpoints, checked below
            }
            assertThat(documented).as("the OpenAPI document").contains(endpoint);
        }
        // Every operation says what it does
        paths.forEach((path, operations) ->
                operations.forEach((method, operation) -> assertThat(((Map<?, ?>) operation).get("summary"))
                        .as("%s %s summary", method, path)
                        .isNotNull()));
        String example = "paths.'/v2/models/{name}/infer'.post.requestBody.content.'application/json'"
                + ".examples.'one image, base64'.value.";
        assertThat(document.getString(example + "inputs[0].datatype")).isEqualTo("BYTES");
        assertThat(document.getString(example + "inputs[0].name")).isEqualTo("image");
        given().get("/q/swagger-ui/").then().statusCode(200).body(containsString("swagger"));
    }

    /**
     * The endpoints of {@code service}'s rows of the README's API table, each optional part ({@code [/versions/{v}]})
     * both with and without, query strings dropped.
     */
    static List<String> readmeEndpoints(String service) throws IOException {
        List<String> endpoints = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("..", "README.md"))) {
            if (line.startsWith("| " + service + " |") || line.startsWith("| all |")) {
                String cell = line.split("\\|")[2];
                Matcher matcher = ENDPOINT.matcher(cell);
                while (matcher.find()) {
                    for (String path : expand(matcher.group(2))) {
                        endpoints.add(matcher.group(1) + " " + normalise(path));
                    }
                }
            }
        }
        return endpoints;
    }

    private static List<String> expand(String path) {
        int open = path.indexOf('[');
        if (open < 0) {
            return List.of(path);
        }
        int close = path.indexOf(']', open);
        String optional = path.substring(open + 1, close);
        String before = path.substring(0, open);
        String after = path.substring(close + 1);
        List<String> all = new ArrayList<>(expand(before + after));
        if (!optional.startsWith("?") && !optional.startsWith("&")) {
            all.addAll(expand(before + optional + after));
        }
        return all;
    }

    /** Template names do not matter; a {@code {name}:verb} segment is one template ({@code {call}} in the code). */
    private static String normalise(String path) {
        return path.replaceAll("\\?.*", "")
                .replaceAll("\\{[^}]*}", "{}")
                .replaceAll("\\{}:[a-z]+", "{}")
                .replaceAll("/$", "");
    }
}
