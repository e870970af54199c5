/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.bundles;

import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.CodeElement;
import java.lang.classfile.CodeTransform;
import java.lang.classfile.Opcode;
import java.lang.classfile.constantpool.MethodHandleEntry;
import java.lang.classfile.instruction.ConstantInstruction;
import java.lang.classfile.instruction.InvokeDynamicInstruction;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.DirectMethodHandleDesc;
import java.lang.constant.MethodHandleDesc;
import java.lang.constant.MethodTypeDesc;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.osgi.framework.Bundle;
import org.osgi.framework.hooks.weaving.WeavingException;
import org.osgi.framework.hooks.weaving.WeavingHook;
import org.osgi.framework.hooks.weaving.WovenClass;
import org.osgi.framework.wiring.BundleWiring;
import org.vocana.host.guard.ExitGuard;

/**
 * Keeps bundles from ending the process: when a class of a bundle that was not part of the host
 * at its start (so: every bundle from the watched folder) is loaded, each call of
 * {@code System.exit(int)}, {@code Runtime.exit(int)} and {@code Runtime.halt(int)} in it, whether
 * a direct invocation or a method handle (a method reference such as {@code System::exit}, an
 * {@code ldc} of a handle), is rewritten with the JDK's class-file API into a call of
 * {@link ExitGuard}, which throws instead. The class gets a dynamic import of the guard's package.
 *
 * <p>Only classes whose bytes name {@code java/lang/System} or {@code java/lang/Runtime} and
 * {@code exit} or {@code halt} are parsed; the rest pass untouched. A class that cannot be rewritten
 * is not loaded ({@link WeavingException}): the bundle fails instead of keeping a way out. Not
 * covered: reflection ({@code Method.invoke} of {@code System.exit}), a handle looked up at run
 * time, JNI; the launcher's supervisor restarts a host that ends anyway.
 */
final class ExitWeaver implements WeavingHook {

    static final String GUARD_PACKAGE = ExitGuard.class.getPackageName();
    private static final ClassDesc GUARD = ClassDesc.of(ExitGuard.class.getName());
    private static final ClassDesc SYSTEM = ClassDesc.of("java.lang.System");
    private static final ClassDesc RUNTIME = ClassDesc.of("java.lang.Runtime");
    private static final MethodTypeDesc INT_VOID = MethodTypeDesc.of(ConstantDescs.CD_void, ConstantDescs.CD_int);
    private static final MethodTypeDesc RUNTIME_INT_VOID = MethodTypeDesc.of(ConstantDescs.CD_void, RUNTIME,
            ConstantDescs.CD_int);
    private static final byte[][] OWNERS = {ascii("java/lang/System"), ascii("java/lang/Runtime")};
    private static final byte[][] NAMES = {ascii("exit"), ascii("halt")};

    private final Set<Long> trusted;

    /** @param trusted ids of the bundles whose classes are left as they are (the host's own). */
    ExitWeaver(Set<Long> trusted) {
        this.trusted = Set.copyOf(trusted);
    }

    @Override
    public void weave(WovenClass woven) {
        BundleWiring wiring = woven.getBundleWiring();
        Bundle bundle = wiring.getBundle();
        if (trusted.contains(bundle.getBundleId())) {
            return;
        }
        byte[] bytes = woven.getBytes();
        if (!mentionsExit(bytes)) {
            return;
        }
        byte[] rewritten;
        try {
            ClassLoader loader = wiring.getClassLoader();
            ClassHierarchyResolver resolver = ClassHierarchyResolver.ofResourceParsing(loader)
                    .orElse(ClassHierarchyResolver.defaultResolver()).cached();
            rewritten = rewrite(bytes, resolver);
        } catch (RuntimeException | LinkageError e) {
            throw new WeavingException("class " + woven.getClassName() + " of bundle '" + bundle.getSymbolicName()
                    + "' may end the process (System.exit, Runtime.exit or Runtime.halt) and could not be rewritten: " + e, e);
        }
        if (rewritten != null) {
            woven.setBytes(rewritten);
            woven.getDynamicImports().add(GUARD_PACKAGE);
        }
    }

    /** True if the class file's bytes name System or Runtime and exit or halt (a cheap filter). */
    static boolean mentionsExit(byte[] bytes) {
        return (contains(bytes, OWNERS[0]) || contains(bytes, OWNERS[1])) && (contains(bytes, NAMES[0]) || contains(bytes, NAMES[1]));
    }

    /**
     * The class with every exit call rewritten, or null if it has none.
     *
     * @param resolver the class hierarchy for recomputing stack maps
     */
    static byte[] rewrite(byte[] bytes, ClassHierarchyResolver resolver) {
        ClassFile cf = ClassFile.of(ClassFile.ClassHierarchyResolverOption.of(resolver));
        ClassModel model = cf.parse(bytes);
        boolean[] changed = {false};
        CodeTransform code = (CodeBuilder cob, CodeElement e) -> {
            switch (e) {
                case InvokeInstruction i when i.opcode() == Opcode.INVOKESTATIC && is(i, SYSTEM, "exit") -> {
                    cob.invokestatic(GUARD, "systemExit", INT_VOID);
                    changed[0] = true;
                }
                case InvokeInstruction i when i.opcode() == Opcode.INVOKEVIRTUAL && is(i, RUNTIME, "exit") -> {
                    cob.invokestatic(GUARD, "runtimeExit", RUNTIME_INT_VOID);
                    changed[0] = true;
                }
                case InvokeInstruction i when i.opcode() == Opcode.INVOKEVIRTUAL && is(i, RUNTIME, "halt") -> {
                    cob.invokestatic(GUARD, "runtimeHalt", RUNTIME_INT_VOID);
                    changed[0] = true;
                }
                case InvokeDynamicInstruction indy -> {
                    List<ConstantDesc> args = new ArrayList<>(indy.bootstrapArgs());
                    boolean any = false;
                    for (int k = 0; k < args.size(); k++) {
                        if (args.get(k) instanceof DirectMethodHandleDesc h && replacement(h) != null) {
                            args.set(k, replacement(h));
                            any = true;
                        }
                    }
                    if (any) {
                        cob.invokedynamic(java.lang.constant.DynamicCallSiteDesc.of(indy.bootstrapMethod(),
                                indy.name().stringValue(), indy.typeSymbol(), args.toArray(ConstantDesc[]::new)));
                        changed[0] = true;
                    } else {
                        cob.with(e);
                    }
                }
                case ConstantInstruction.LoadConstantInstruction ldc
                        when ldc.constantEntry() instanceof MethodHandleEntry mh && replacement(mh.asSymbol()) != null -> {
                    cob.ldc(replacement(mh.asSymbol()));
                    changed[0] = true;
                }
                default -> cob.with(e);
            }
        };
        byte[] out = cf.transformClass(model, ClassTransform.transformingMethodBodies(code));
        return changed[0] ? out : null;
    }

    private static boolean is(InvokeInstruction i, ClassDesc owner, String name) {
        return i.owner().asSymbol().equals(owner) && i.name().equalsString(name) && i.typeSymbol().equals(INT_VOID);
    }

    /** The guard's handle for a handle to one of the exit methods, or null. */
    private static DirectMethodHandleDesc replacement(DirectMethodHandleDesc h) {
        if (!h.invocationType().returnType().equals(ConstantDescs.CD_void)) {
            return null;
        }
        if (h.kind() == DirectMethodHandleDesc.Kind.STATIC && h.owner().equals(SYSTEM) && h.methodName().equals("exit")
                && h.invocationType().equals(INT_VOID)) {
            return MethodHandleDesc.ofMethod(DirectMethodHandleDesc.Kind.STATIC, GUARD, "systemExit", INT_VOID);
        }
        if (h.kind() == DirectMethodHandleDesc.Kind.VIRTUAL && h.owner().equals(RUNTIME)
                && (h.methodName().equals("exit") || h.methodName().equals("halt"))
                && h.invocationType().equals(RUNTIME_INT_VOID)) {
            return MethodHandleDesc.ofMethod(DirectMethodHandleDesc.Kind.STATIC, GUARD,
                    h.methodName().equals("exit") ? "runtimeExit" : "runtimeHalt", RUNTIME_INT_VOID);
        }
        return null;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
