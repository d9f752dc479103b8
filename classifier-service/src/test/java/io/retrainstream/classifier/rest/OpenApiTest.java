package io.retrainstream.classifier.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.retrainstream.common.testing.KafkaBrokerResource;
import io.retrainstream.common.testing.ReadmeEndpoints;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The classifier's OpenAPI document holds every classifier endpoint the README lists, with summaries. */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerResource.class)
class OpenApiTest {

    @Test
    void everyClassifierEndpointInTheReadmeIsDocumented() {
        JsonPath document = given().queryParam("format", "json")
                .get("/q/openapi")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        Map<String, Map<String, Object>> paths = document.getMap("paths");
        List<String> listed = ReadmeEndpoints.of("classifier");
        assertThat(listed).as("classifier endpoints in the README").hasSizeGreaterThan(15);
        assertThat(ReadmeEndpoints.documented(paths)).as("the OpenAPI document").containsAll(listed);
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
}
