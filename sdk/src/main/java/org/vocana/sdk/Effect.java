/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.vocana.sdk;

/**
 * An audio effect hosted by Vocana.
 *
 * <p>Effects are Declarative Services components registered as <em>prototype-scope</em> services
 * of this interface with the service property {@value #ID_PROPERTY} set to the effect id: every
 * chain slot gets its own instance, so one effect can appear twice in a chain with different
 * parameters.
 *
 * <h2>Threads</h2>
 * Every method names the thread it may be called on:
 * <ul>
 *   <li><b>control thread</b>: any non-real-time thread of the host; the host never calls two
 *       control-thread methods of one instance at the same time, and never while
 *       {@link #process} runs;</li>
 *   <li><b>audio thread</b>: the real-time thread. Code that runs there must not allocate, lock,
 *       block, log, do I/O, throw as control flow, or take time that depends on the signal
 *       (avoid subnormal numbers: the JVM cannot flush them to zero);</li>
 *   <li><b>any thread</b>: callable concurrently with everything else, without locks.</li>
 * </ul>
 *
 * <h2>Lifecycle</h2>
 * created &rarr; {@link #activate} &rarr; ({@link #process} | {@link #reset})* &rarr;
 * {@link #deactivate} &rarr; (activate again, possibly with another rate or channel count).
 * {@link AbstractEffect} implements the bookkeeping; most effects extend it.
 */
public interface Effect {

    /** Service property that carries the effect id (a String equal to the descriptor's id). */
    String ID_PROPERTY = "vocana.effect.id";

    /**
     * What this effect is and which parameters it has. Immutable; the same object every call.
     * Thread: any thread.
     */
    EffectDescriptor descriptor();

    /**
     * Prepares for processing: allocate every buffer here, never in {@link #process}.
     * Thread: control thread.
     *
     * @param sampleRate frames per second, 1 000 to 768 000
     * @param maxFrames the largest block {@link #process} will be given, at least 1
     * @param channels channel count, 1 to {@value AbstractEffect#MAX_CHANNELS}
     * @throws IllegalStateException if already active
     * @throws IllegalArgumentException if an argument is out of range
     */
    void activate(double sampleRate, int maxFrames, int channels);

    /**
     * Releases what {@link #activate} prepared. Calling it on an inactive effect does nothing.
     * Thread: control thread.
     */
    void deactivate();

    /**
     * Clears all signal state (delay lines, envelopes, smoothing) as if the effect had just been
     * activated, keeping the current parameter values. Does not allocate.
     * Thread: audio thread, or control thread while the effect is not processing.
     */
    void reset();

    /**
     * Processes one block of planar float audio. {@code in[c]} and {@code out[c]} hold channel
     * {@code c}; they may be the same arrays (in-place processing). Only the first
     * {@code frames} samples of each array are read or written.
     * Thread: audio thread. Must not allocate, lock or block.
     *
     * @param frames 0 to the {@code maxFrames} given to {@link #activate}
     */
    void process(float[][] in, float[][] out, int frames);

    /**
     * Sets a parameter's target value; the effect smooths towards it on the audio thread.
     * Thread: any thread (lock-free).
     *
     * @param index position in {@link EffectDescriptor#parameters()}
     * @throws IllegalArgumentException if the index is unknown or the value is not accepted
     *     (see {@link ParameterDescriptor#check(double)})
     */
    void setParameter(int index, double value);

    /**
     * The parameter's current target value (what was last set, or its default).
     * Thread: any thread.
     */
    double parameter(int index);

    /**
     * Delay in frames between an input sample and the corresponding output sample, for the
     * current activation and parameters. Thread: control thread, after {@link #activate}.
     */
    int latencyFrames();

    /**
     * How many frames of output may still be non-silent after the input becomes silent
     * ({@link Integer#MAX_VALUE} for infinite). Thread: control thread, after {@link #activate}.
     */
    int tailFrames();
}
