package io.kubeserve.core;

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
 * The architecture of kubeserve-core, stated as rules over its compiled classes: its packages form
 * no cycle, only the DJL adapter touches the engines' Java APIs, and the library knows nothing of
 * HTTP. Each rule is also run against small fixture classes (test sources under
 * {@code io.kubeserve.core.archfixture}) that break it, to show it can fail.
 */
class ArchitectureTest {

    private static JavaClasses production;
    private static JavaClasses fixtures;

    @BeforeAll
    static void importClasses() {
        production = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.kubeserve.core");
        fixtures = new ClassFileImporter().importPackages("io.kubeserve.core.archfixture", "io.kubeserve.http.archfixture");
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

    /** DJL and ONNX Runtime stay behind the engine adapter; the rest of core sees the SPI only. */
    static ArchRule onlyDjlAdapterUsesEngines() {
        return noClasses().that().resideOutsideOfPackage("io.kubeserve.core.engine.djl..")
                .should().dependOnClassesThat().resideInAnyPackage("ai.djl..", "ai.onnxruntime..")
                .because("engine.djl is the only adapter to the engines' Java APIs");
    }

    /** The embeddable library depends on no adapter or server that is built on it. */
    static ArchRule coreKnowsNoHttp() {
        return noClasses().that().resideInAPackage("io.kubeserve.core..")
                .should().dependOnClassesThat().resideInAnyPackage("io.kubeserve.http..", "io.kubeserve.server..",
                        "io.undertow..")
                .because("kubeserve-core is embeddable without the HTTP adapter or server");
    }

    @Test
    void corePackagesFormNoCycle() {
        packagesFreeOfCycles("io.kubeserve.core").check(production);
    }

    @Test
    void onlyEngineDjlImportsDjlAndOnnxRuntime() {
        onlyDjlAdapterUsesEngines().check(production);
    }

    @Test
    void coreImportsNothingOfHttpOrServer() {
        coreKnowsNoHttp().check(production);
    }

    @Test
    void noPackageCycleAtAnyDepth() {
        everyPackageFreeOfCycles("io.kubeserve").check(production);
    }

    @Test
    void cycleRuleFailsOnACycle() {
        EvaluationResult result = packagesFreeOfCycles("io.kubeserve.core.archfixture").evaluate(fixtures);
        assertThat(result.hasViolation()).isTrue();
        assertThat(result.getFailureReport().toString()).contains("Cycle detected: a -> ", "Dependencies of b", "archfixture.b.B.back");
    }

    @Test
    void strictCycleRuleFailsOnACycle() {
        EvaluationResult result = everyPackageFreeOfCycles("io.kubeserve.core.archfixture").evaluate(fixtures);
        assertThat(result.hasViolation()).isTrue();
    }

    @Test
    void engineRuleFailsOnDjlOutsideTheAdapter() {
        EvaluationResult result = onlyDjlAdapterUsesEngines().evaluate(fixtures);
        assertThat(result.getFailureReport().getDetails())
                .anyMatch(line -> line.contains("archfixture.a.UsesEngines") && line.contains("ai.djl."))
                .anyMatch(line -> line.contains("archfixture.a.UsesEngines") && line.contains("ai.onnxruntime."));
    }

    @Test
    void httpRuleFailsOnCoreUsingHttp() {
        EvaluationResult result = coreKnowsNoHttp().evaluate(fixtures);
        assertThat(result.getFailureReport().getDetails())
                .anyMatch(line -> line.contains("archfixture.b.UsesHttp") && line.contains("io.kubeserve.http.archfixture"));
    }
}
