package dev.fnclients.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The module line, checked on the compiled classes of every module in the build (this module is
 * built last, so all of them are there): no module reaches into another's {@code internal}
 * packages; the SPI packages ({@code dev.fnclients.spi}, {@code dev.fnclients.*.spi}) are used only
 * by FnClients' own library modules; benchmarks, examples and the deployable example function use
 * public API only; library code and the deployable example (what a user deploys) never depend on
 * the testkit.
 */
class ModuleBoundariesTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final List<String> HARNESS = List.of("benchmarks", "examples", "example-function");

  /**
   * What a user deploys: public API only, and no testkit, not even in its main code's dependencies.
   */
  private static final String DEPLOYABLE = "example-function";

  @Test
  void noModuleImportsAnotherModulesInternalOrSpiPackages() throws IOException {
    Map<String, JavaClasses> modules = importModules();
    assertThat(modules)
        .as("modules found under %s", ROOT)
        .containsKeys("pool-core", "http-adapter", "fnclients", "examples", DEPLOYABLE);

    assertThat(violations(modules)).isEmpty();
  }

  @Test
  void theCheckCatchesAHarnessClassThatUsesPlumbing() {
    JavaClasses fixture = new ClassFileImporter().importClasses(BadHarnessFixture.class);

    assertThat(violations(Map.of("examples", fixture)))
        .anySatisfy(v -> assertThat(v).contains("dev.fnclients.spi.TransportStats"))
        .noneSatisfy(v -> assertThat(v).contains("testkit"));
  }

  @Test
  void theDeployableExampleDoesNotDependOnTheTestkit() throws IOException {
    // Its classes are checked above; this keeps the jar itself out of what a user deploys.
    assertThat(Files.readString(ROOT.resolve(DEPLOYABLE).resolve("pom.xml")))
        .doesNotContain("fnclients-testkit");
  }

  @Test
  void theCheckCatchesTheDeployableExampleUsingTheTestkit() {
    JavaClasses fixture = new ClassFileImporter().importClasses(BadHarnessFixture.class);

    assertThat(violations(Map.of(DEPLOYABLE, fixture)))
        .anySatisfy(
            v ->
                assertThat(v)
                    .contains("dev.fnclients.testkit.ManualClock")
                    .contains("deployable example"));
  }

  static List<String> violations(Map<String, JavaClasses> modules) {
    Map<String, String> owner = new java.util.HashMap<>();
    modules.forEach((module, classes) -> classes.forEach(c -> owner.put(c.getName(), module)));
    List<String> found = new ArrayList<>();
    modules.forEach(
        (module, classes) -> {
          for (JavaClass origin : classes) {
            if (isFixture(origin) && module.equals("benchmarks")) {
              continue;
            }
            for (Dependency d : origin.getDirectDependenciesFromSelf()) {
              JavaClass target = d.getTargetClass().getBaseComponentType();
              String pkg = target.getPackageName();
              if (!pkg.startsWith("dev.fnclients")) {
                continue;
              }
              String targetModule = owner.getOrDefault(target.getName(), "?");
              boolean internal = pkg.contains(".internal");
              boolean spi = pkg.equals("dev.fnclients.spi") || pkg.endsWith(".spi");
              String why = null;
              if (internal && !targetModule.equals(module)) {
                why = "internal package of " + targetModule;
              } else if ((spi || internal) && HARNESS.contains(module)) {
                why = "plumbing, not public API";
              } else if (pkg.startsWith("dev.fnclients.testkit") && module.equals(DEPLOYABLE)) {
                why = "the testkit, from the deployable example";
              } else if (pkg.startsWith("dev.fnclients.testkit")
                  && !HARNESS.contains(module)
                  && !module.equals("testkit")
                  && !isTest(origin)) {
                why = "the testkit, from library code";
              }
              if (why != null) {
                found.add(
                    module
                        + ": "
                        + origin.getName()
                        + " -> "
                        + target.getName()
                        + " ("
                        + why
                        + ")");
              }
            }
          }
        });
    return List.copyOf(new TreeSet<>(found));
  }

  private static boolean isFixture(JavaClass c) {
    return c.getName().startsWith(BadHarnessFixture.class.getName());
  }

  private static boolean isTest(JavaClass c) {
    return c.getSource().map(s -> s.getUri().toString().contains("/test-classes/")).orElse(false);
  }

  /** Every module directory's main and test classes, keyed by directory name. */
  private static Map<String, JavaClasses> importModules() throws IOException {
    Map<String, JavaClasses> modules = new java.util.TreeMap<>();
    try (Stream<Path> dirs = Files.list(ROOT)) {
      for (Path dir : (Iterable<Path>) dirs.sorted()::iterator) {
        List<Path> outputs = new ArrayList<>();
        for (String out : List.of("target/classes", "target/test-classes")) {
          Path p = dir.resolve(out);
          if (Files.isDirectory(p.resolve("dev/fnclients"))) {
            outputs.add(p);
          }
        }
        Optional.of(outputs)
            .filter(o -> !o.isEmpty())
            .ifPresent(
                o ->
                    modules.put(
                        dir.getFileName().toString(),
                        new ClassFileImporter()
                            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
                            .importPaths(o)));
      }
    }
    return modules;
  }
}
