package io.kubeserve.server;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The standalone server as assembled (kubeserve-server with kubeserve-core, kubeserve-http and the
 * manifest generator on its class path): no cycle between any two of its packages, each package a
 * slice of its own, so a root package and its subpackages count too (for example
 * {@code io.kubeserve.core} and {@code io.kubeserve.core.registry}). The server's own classes are
 * one package today; this rule keeps it so as they grow, and sees cycles that only the assembly of
 * the modules could make.
 */
class ArchitectureTest {

    private static JavaClasses production;

    @BeforeAll
    static void importClasses() {
        production = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.kubeserve");
    }

    /** No cycle among the packages at or under {@code root}, each package a slice of its own. */
    static ArchRule packagesFreeOfCycles(String root) {
        return slices().matching(root + ".(**)").namingSlices("$1").should().beFreeOfCycles();
    }

    @Test
    void importsTheWholeServer() {
        assertThat(production.containPackage("io.kubeserve.server")).isTrue();
        assertThat(production.containPackage("io.kubeserve.http.undertow")).isTrue();
        assertThat(production.containPackage("io.kubeserve.core.registry")).isTrue();
    }

    @Test
    void serverPackagesFormNoCycle() {
        packagesFreeOfCycles("io.kubeserve").check(production);
    }

    @Test
    void cycleRuleFailsOnACycle() {
        JavaClasses fixtures = new ClassFileImporter().importPackages("io.kubeserve.server.archfixture");
        EvaluationResult result = packagesFreeOfCycles("io.kubeserve.server.archfixture").evaluate(fixtures);
        assertThat(result.getFailureReport().toString()).contains("Cycle detected: a -> ", "Dependencies of b");
    }
}
