package dev.openaibeam;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The library's packages as docs/architecture.md draws them. */
class ArchitectureTest {
  private static final JavaClasses LIBRARY =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.openaibeam");

  @Test
  void packagesHaveNoCycles() {
    slices().matching("dev.openaibeam.(*)..").should().beFreeOfCycles().check(LIBRARY);
  }

  @Test
  void valuesAndTransportDependOnNothingAbove() {
    noClasses().that().resideInAPackage("dev.openaibeam.api..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "dev.openaibeam.transport..", "dev.openaibeam.connection..", "dev.openaibeam.call..",
            "dev.openaibeam.batch..", "dev.openaibeam.budget..", "dev.openaibeam.cost..")
        .check(LIBRARY);
    noClasses().that().resideInAPackage("dev.openaibeam.transport..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "dev.openaibeam.connection..", "dev.openaibeam.call..", "dev.openaibeam.batch..")
        .check(LIBRARY);
  }

  @Test
  void oneHttpClient_inTheTransport() {
    noClasses().that().resideOutsideOfPackage("dev.openaibeam.transport..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "org.apache.hc.client5.http.impl..", "org.apache.hc.core5.reactor..")
        .check(LIBRARY);
    noClasses().should().dependOnClassesThat().resideInAPackage("java.net.http..").check(LIBRARY);
  }
}
