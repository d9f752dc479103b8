package io.retrainstream.cli.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.retrainstream.cli.CliException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminTokenTest {

    @TempDir
    Path root;

    @Test
    void upCreatesAPrivateRandomTokenOnceAndReusesIt() throws Exception {
        Workspace workspace = new Workspace(root, root);
        assertThat(AdminToken.find(workspace, null)).isEmpty();

        AdminToken.Found created = AdminToken.ensure(workspace, null);

        Path file = root.resolve(".retrain/admin-token");
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(created.token()).matches("[A-Za-z0-9_-]{43}");
        assertThat(created.source()).isEqualTo(".retrain/admin-token");
        assertThat(created.toString()).doesNotContain(created.token());
        assertThat(AdminToken.ensure(workspace, null).token()).isEqualTo(created.token());
        assertThat(AdminToken.find(workspace, null)).contains(created);

        Path other = Files.createDirectories(root.resolve("other"));
        assertThat(AdminToken.ensure(new Workspace(other, other), null).token()).isNotEqualTo(created.token());
    }

    @Test
    void theEnvironmentOverridesTheFile() throws Exception {
        Workspace workspace = new Workspace(root, root);
        AdminToken.ensure(workspace, null);

        assertThat(AdminToken.find(workspace, " from-env "))
                .contains(new AdminToken.Found("from-env", "$RETRAIN_ADMIN_TOKEN"));
        assertThat(AdminToken.ensure(workspace, "from-env").token()).isEqualTo("from-env");
        assertThat(AdminToken.find(workspace, "")).map(AdminToken.Found::source).contains(".retrain/admin-token");
    }

    @Test
    void refusesATokenFileOthersMayReadAndATokenNoHeaderCanCarry() throws Exception {
        Workspace workspace = new Workspace(root, root);
        Path file = Files.createDirectories(root.resolve(".retrain")).resolve("admin-token");
        Files.writeString(file, "abc\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        assertThatThrownBy(() -> AdminToken.ensure(workspace, null))
                .isInstanceOf(CliException.class)
                .hasMessageContaining("may be read by others (rw-r--r--)")
                .hasMessageContaining("chmod 600");
        assertThatThrownBy(() -> AdminToken.find(workspace, "two words"))
                .isInstanceOf(CliException.class)
                .hasMessageContaining("$RETRAIN_ADMIN_TOKEN");
    }
}
