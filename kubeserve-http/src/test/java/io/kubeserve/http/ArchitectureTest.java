package io.kubeserve.http;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
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
 * The architecture of kubeserve-http, stated as rules over its compiled classes: its packages form
 * no cycle, the protocol codecs know nothing of Undertow (so another server could use them), and
 * the adapter knows nothing of the standalone server built on it. Each rule is also run against
 * fixture classes (test sources under {@code archfixture} packages) that break it.
 */
class ArchitectureTest {

    private static JavaClasses production;
    private static JavaClasses fixtures;

    @BeforeAll
    static void importClasses() {
        production = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.kubeserve.http");
        fixtures = new ClassFileImporter().importPackages("io.kubeserve.http.archfixture",
                "io.kubeserve.http.codec.archfixture", "io.kubeserve.server.archfixture");
    }

    /** No cycle among the packages directly under {@code root}, each with its subpackages. */
    static ArchRule packagesFreeOfCycles(String root) {
        return slices().matching(root + ".(*)..").namingSlices("$1").should().beFreeOfCycles();
    }

    /**
     * No cycle between any two packages at or under {@code root}, each package a slice of its own:
     * stricter than {@link #packagesFreeOfCycles}, it also sees the root package and a package and
     * its subpackages.
     */
    static ArchRule everyPackageFreeOfCycles(String root) {
        return slices().matching(root + ".(**)").namingSlices("$1").should().beFreeOfCycles();
    }

    static ArchRule codecsKnowNoUndertow() {
        return noClasses().that().resideInAPackage("io.kubeserve.http.codec..")
                .should().dependOnClassesThat().resideInAPackage("io.undertow..")
                .because("the codecs turn bytes into requests and back for any server");
    }

    static ArchRule httpKnowsNoServer() {
        return noClasses().that().resideInAPackage("io.kubeserve.http..")
                .should().dependOnClassesThat().resideInAPackage("io.kubeserve.server..")
                .because("kubeserve-http is embeddable without the standalone server");
    }

    @Test
    void httpPackagesFormNoCycle() {
        packagesFreeOfCycles("io.kubeserve.http").check(production);
    }

    @Test
    void codecsImportNoUndertow() {
        codecsKnowNoUndertow().check(production);
    }

    @Test
    void httpImportsNothingOfTheServer() {
        httpKnowsNoServer().check(production);
    }

    @Test
    void noPackageCycleAtAnyDepth() {
        everyPackageFreeOfCycles("io.kubeserve").check(production);
    }

    @Test
    void cycleRuleFailsOnACycle() {
        EvaluationResult result = packagesFreeOfCycles("io.kubeserve.http.archfixture").evaluate(fixtures);
        assertThat(result.getFailureReport().toString()).contains("Cycle detected: a -> ", "Dependencies of b");
    }

    @Test
    void strictCycleRuleFailsOnACycle() {
        EvaluationResult result = everyPackageFreeOfCycles("io.kubeserve.http.archfixture").evaluate(fixtures);
        assertThat(result.hasViolation()).isTrue();
    }

    @Test
    void codecRuleFailsOnACodecUsingUndertow() {
        EvaluationResult result = codecsKnowNoUndertow().evaluate(fixtures);
        assertThat(result.getFailureReport().getDetails())
                .anyMatch(line -> line.contains("codec.archfixture.UsesUndertow") && line.contains("io.undertow."));
    }

    @Test
    void serverRuleFailsOnHttpUsingTheServer() {
        EvaluationResult result = httpKnowsNoServer().evaluate(fixtures);
        assertThat(result.getFailureReport().getDetails())
                .anyMatch(line -> line.contains("archfixture.a.UsesServer") && line.contains("io.kubeserve.server."));
    }
}
