/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceObjects;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.startlevel.FrameworkStartLevel;
import org.vocana.sdk.Effect;
import org.vocana.sdk.testing.EffectVerifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code vocana validate BUNDLE.jar}: installs an effect bundle into this (one-shot, isolated)
 * framework, finds every effect it provides and runs the effect test kit on each. Exit 0 when all
 * pass at the chosen level, 1 when a check fails, 2 when the jar cannot be validated at all.
 */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = {"Run the effect test kit on every effect of a bundle.",
            "Installs the bundle in an isolated framework and checks lifecycle, formats, block sizes, inputs,",
            "determinism, parameters, latency, allocation, denormals, linear time and concurrency.",
            "Exit 0 all pass, 1 a check failed, 2 the jar cannot be validated."})
final class ValidateCommand implements Callable<Integer> {

    /** Not validatable at all: exit 2 with a one-line reason. */
    static final class Unvalidatable extends Exception {
        private static final long serialVersionUID = 1L;

        Unvalidatable(String message) {
            super(message);
        }
    }

    private static final Pattern MISSING_PACKAGE = Pattern.compile("osgi\\.wiring\\.package=([A-Za-z0-9_.]+)");

    @Parameters(index = "0", paramLabel = "BUNDLE.jar", description = "The effect bundle.")
    Path jar;

    @Option(names = "--level", paramLabel = "N", description = "Checks up to level N: 1 contract, 2 robustness, 3 real-time rules (default 3).")
    int level = EffectVerifier.MAX_LEVEL;

    @Option(names = "--json", description = "Print the results as JSON.")
    boolean json;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the randomised checks (default 0x5EED); printed with every failure.")
    long seed = 0x5EEDL;

    private final BundleContext context;
    private final PrintStream out;
    private final PrintStream err;

    ValidateCommand(BundleContext context, PrintStream out, PrintStream err) {
        this.context = context;
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() throws Exception {
        if (level < 1 || level > EffectVerifier.MAX_LEVEL) {
            throw new IllegalArgumentException("--level " + level + " out of range: accepted 1.." + EffectVerifier.MAX_LEVEL);
        }
        List<EffectVerifier.Report> reports;
        try {
            reports = validate();
        } catch (Unvalidatable e) {
            err.println("vocana validate: " + jar + ": " + e.getMessage());
            return VocanaCommand.EXIT_USAGE;
        }
        if (json) {
            printJson(reports);
        } else {
            printTable(reports);
        }
        return reports.stream().allMatch(EffectVerifier.Report::passed) ? 0 : VocanaCommand.EXIT_INPUT;
    }

    private List<EffectVerifier.Report> validate() throws Unvalidatable, InvalidSyntaxException, InterruptedException {
        String bsn = symbolicName();
        awaitStartLevel();
        Bundle bundle = install(bsn);
        try {
            return validate(bundle);
        } finally {
            if (installedHere) {
                try {
                    drainStartLevelRequests(); // none may be left for our bundle when it goes
                    bundle.uninstall(); // leave the framework cache as it was
                } catch (BundleException | IllegalStateException e) {
                    // the process ends anyway
                }
            }
        }
    }

    private boolean installedHere;

    /**
     * Waits until the framework has reached its beginning start level: its start-level thread
     * walks every bundle, and must not meet ours being installed or uninstalled.
     */
    private void awaitStartLevel() throws InterruptedException {
        String begin = context.getProperty("org.osgi.framework.startlevel.beginning");
        int target = begin == null ? 1 : Integer.parseInt(begin.strip());
        FrameworkStartLevel fsl =
                context.getBundle(0).adapt(FrameworkStartLevel.class);
        long end = System.nanoTime() + 10_000_000_000L;
        while (fsl.getStartLevel() < target && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        drainStartLevelRequests();
    }

    /**
     * Waits until the framework's start-level thread has handled every request queued so far (the
     * launcher's bundle start levels included): it handles requests in order, and a request for the
     * level it is already at does nothing but report back.
     */
    private void drainStartLevelRequests() throws InterruptedException {
        FrameworkStartLevel fsl =
                context.getBundle(0).adapt(FrameworkStartLevel.class);
        CountDownLatch done = new CountDownLatch(1);
        fsl.setStartLevel(fsl.getStartLevel(), event -> done.countDown());
        done.await(10, TimeUnit.SECONDS);
    }

    private List<EffectVerifier.Report> validate(Bundle bundle) throws Unvalidatable, InvalidSyntaxException,
            InterruptedException {
        Collection<ServiceReference<Effect>> refs = awaitEffects(bundle);
        if (refs.isEmpty()) {
            throw new Unvalidatable("no effect inside: the bundle registers no " + Effect.class.getName()
                    + " service (a DS component with service = Effect.class, scope = PROTOTYPE and the property "
                    + Effect.ID_PROPERTY + ")");
        }
        List<EffectVerifier.Report> reports = new ArrayList<>();
        for (ServiceReference<Effect> ref : refs) {
            ServiceObjects<Effect> objects = context.getServiceObjects(ref);
            Effect probe;
            try {
                probe = objects == null ? null : objects.getService();
            } catch (RuntimeException e) {
                throw new Unvalidatable("effect " + ref.getProperty(Effect.ID_PROPERTY) + " cannot be instantiated: " + e);
            }
            if (probe == null) {
                throw new Unvalidatable("effect " + ref.getProperty(Effect.ID_PROPERTY)
                        + " cannot be instantiated (its component failed to activate; see its constructor)");
            }
            objects.ungetService(probe);
            List<Effect> made = new ArrayList<>();
            reports.add(EffectVerifier.of(() -> {
                Effect e = objects.getService();
                synchronized (made) {
                    made.add(e);
                }
                return e;
            }).seed(seed).level(level).checkTimeout(Duration.ofSeconds(60)).verify());
            synchronized (made) {
                for (Effect e : made) {
                    try {
                        objects.ungetService(e);
                    } catch (RuntimeException ignored) {
                        // an abandoned (hung) instance
                    }
                }
            }
        }
        return reports;
    }

    private String symbolicName() throws Unvalidatable {
        if (!Files.isRegularFile(jar)) {
            throw new Unvalidatable("no such file");
        }
        try (JarFile f = new JarFile(jar.toFile())) {
            Manifest m = f.getManifest();
            String bsn = m == null ? null : m.getMainAttributes().getValue("Bundle-SymbolicName");
            if (bsn == null) {
                throw new Unvalidatable("not an OSGi bundle (no Bundle-SymbolicName in META-INF/MANIFEST.MF); build it"
                        + " with bnd (bnd-maven-plugin) as the SDK's example does");
            }
            return bsn.split(";")[0].strip();
        } catch (IOException e) {
            throw new Unvalidatable("not a jar file (" + e.getMessage() + ")");
        }
    }

    private Bundle install(String bsn) throws Unvalidatable {
        Bundle bundle;
        try {
            bundle = context.installBundle(jar.toUri().toString());
            installedHere = true;
        } catch (BundleException e) {
            if (e.getType() == BundleException.DUPLICATE_BUNDLE_ERROR) {
                bundle = java.util.Arrays.stream(context.getBundles()).filter(b -> bsn.equals(b.getSymbolicName()))
                        .findFirst().orElseThrow(() -> new Unvalidatable("cannot install: " + e.getMessage()));
            } else {
                throw new Unvalidatable("cannot install: " + e.getMessage());
            }
        }
        if (installedHere) {
            // the launcher gives new bundles a start level above the framework's: the bundle to
            // validate starts at the level the framework has
            int level = context.getBundle(0).adapt(FrameworkStartLevel.class).getStartLevel();
            bundle.adapt(org.osgi.framework.startlevel.BundleStartLevel.class).setStartLevel(Math.max(1, level));
            try {
                drainStartLevelRequests();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            bundle.start(Bundle.START_TRANSIENT); // not remembered: the next start of this framework ignores it
        } catch (BundleException e) {
            if (installedHere) {
                try {
                    // a start-level request queued for the new bundle must not meet it uninstalled (the
                    // framework's start-level thread would print a stack trace: CI saw it)
                    drainStartLevelRequests();
                    bundle.uninstall();
                } catch (BundleException | IllegalStateException ignored) {
                    // leaving anyway
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            Set<String> missing = new LinkedHashSet<>(unexported(bundle));
            Matcher m = MISSING_PACKAGE.matcher(String.valueOf(e.getMessage()));
            while (m.find()) {
                missing.add(m.group(1));
            }
            if (missing.isEmpty()) {
                throw new Unvalidatable("cannot start: " + VocanaCommand.oneLine(e.getMessage()));
            }
            List<String> hints = new ArrayList<>();
            for (String p : missing) {
                hints.add(p + " (" + whereFrom(p) + ")");
            }
            throw new Unvalidatable("unresolved imports: " + String.join(", ", hints));
        }
        return bundle;
    }

    /** The bundle's mandatory imports that no installed bundle exports. */
    private Set<String> unexported(Bundle bundle) {
        Set<String> exported = new java.util.HashSet<>();
        for (Bundle b : context.getBundles()) {
            org.osgi.framework.wiring.BundleWiring w = b.adapt(org.osgi.framework.wiring.BundleWiring.class);
            if (w != null) {
                for (org.osgi.framework.wiring.BundleCapability c : w.getCapabilities("osgi.wiring.package")) {
                    exported.add(String.valueOf(c.getAttributes().get("osgi.wiring.package")));
                }
            }
        }
        Set<String> missing = new LinkedHashSet<>();
        String header = bundle.getHeaders().get("Import-Package");
        if (header == null) {
            return missing;
        }
        for (String clause : splitClauses(header)) {
            String[] parts = clause.split(";");
            if (clause.contains("resolution:=optional") || clause.contains("resolution:=\"optional\"")) {
                continue;
            }
            for (String part : parts) {
                String name = part.strip();
                if (!name.isEmpty() && !name.contains("=") && !exported.contains(name)) {
                    missing.add(name);
                }
            }
        }
        return missing;
    }

    /** Splits an OSGi header at commas outside quotes. */
    static List<String> splitClauses(String header) {
        List<String> out = new ArrayList<>();
        StringBuilder sb = new StringBuilder();
        boolean quoted = false;
        for (char c : header.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            }
            if (c == ',' && !quoted) {
                out.add(sb.toString());
                sb.setLength(0);
            } else {
                sb.append(c);
            }
        }
        out.add(sb.toString());
        return out;
    }

    /** Where a package usually comes from, for the unresolved-import message. */
    static String whereFrom(String pkg) {
        if (pkg.startsWith("org.vocana.sdk")) {
            return "the Vocana SDK: build against the SDK version this host provides";
        }
        if (pkg.startsWith("be.tarsos")) {
            return "TarsosDSP: embed it with -conditionalpackage: be.tarsos.dsp.*";
        }
        if (pkg.startsWith("org.osgi.service.component")) {
            return "OSGi DS annotations are build-time only: mark them provided";
        }
        if (pkg.startsWith("java.") || pkg.startsWith("javax.") || pkg.startsWith("jdk.") || pkg.startsWith("sun.")) {
            return "the JDK: not exported to bundles here; avoid it or ask for it to be added";
        }
        return "a library: embed it in the bundle (-conditionalpackage) or drop its bundle into load/";
    }

    private Collection<ServiceReference<Effect>> awaitEffects(Bundle bundle) throws InvalidSyntaxException, InterruptedException {
        long end = System.nanoTime() + 5_000_000_000L;
        List<ServiceReference<Effect>> found = new ArrayList<>();
        do {
            found.clear();
            for (ServiceReference<Effect> r : context.getServiceReferences(Effect.class, null)) {
                if (r.getBundle() != null && r.getBundle().getBundleId() == bundle.getBundleId()) {
                    found.add(r);
                }
            }
            if (!found.isEmpty()) {
                Thread.sleep(100); // a bundle with several effects registers them in a burst
                return new ArrayList<>(context.getServiceReferences(Effect.class, null).stream()
                        .filter(r -> r.getBundle() != null && r.getBundle().getBundleId() == bundle.getBundleId())
                        .toList());
            }
            Thread.sleep(50);
        } while (System.nanoTime() < end);
        return found;
    }

    private void printTable(List<EffectVerifier.Report> reports) {
        out.printf(Locale.ROOT, "%-14s %-28s %-6s %s%n", "effect", "check", "result", "detail");
        for (EffectVerifier.Report r : reports) {
            for (EffectVerifier.Result x : r.results()) {
                out.printf(Locale.ROOT, "%-14s %-28s %-6s %s%n", r.effectId(), x.check() + " (L" + x.level() + ")",
                        x.passed() ? "pass" : "FAIL", x.detail());
            }
        }
        long failed = reports.stream().flatMap(r -> r.results().stream()).filter(x -> !x.passed()).count();
        out.printf(Locale.ROOT, "%d effect(s), level %d, seed 0x%x: %s%n", reports.size(), level, seed,
                failed == 0 ? "all checks passed" : failed + " check(s) failed");
    }

    private void printJson(List<EffectVerifier.Report> reports) {
        StringBuilder sb = new StringBuilder("{\"level\":").append(level).append(",\"seed\":").append(seed)
                .append(",\"passed\":").append(reports.stream().allMatch(EffectVerifier.Report::passed))
                .append(",\"effects\":[");
        for (int i = 0; i < reports.size(); i++) {
            EffectVerifier.Report r = reports.get(i);
            sb.append(i == 0 ? "" : ",").append("{\"id\":").append(quote(r.effectId())).append(",\"passed\":")
                    .append(r.passed()).append(",\"checks\":[");
            for (int k = 0; k < r.results().size(); k++) {
                EffectVerifier.Result x = r.results().get(k);
                sb.append(k == 0 ? "" : ",").append("{\"check\":").append(quote(x.check())).append(",\"level\":")
                        .append(x.level()).append(",\"passed\":").append(x.passed()).append(",\"detail\":")
                        .append(quote(x.detail())).append('}');
            }
            sb.append("]}");
        }
        out.println(sb.append("]}"));
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
