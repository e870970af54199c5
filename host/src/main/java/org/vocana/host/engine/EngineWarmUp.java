/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.engine;

import java.util.List;
import org.vocana.host.effects.EffectInstance;
import org.vocana.sdk.AbstractEffect;
import org.vocana.sdk.EffectDescriptor;

/**
 * Runs the engine's own audio-thread code (chain swaps with crossfades, slot bypass fades, time
 * recording with its reader flipping phases) for a while on the calling control thread, once per
 * JVM, before the first device goes live. The JIT then compiles those paths here: in the
 * interpreter, paths the audio thread takes for the first time cost time, and the VM's
 * compilation triggers and deoptimisations allocate a few hundred bytes on the thread that hits
 * them.
 */
public final class EngineWarmUp {

    private static boolean done;

    private EngineWarmUp() {
    }

    /** A unity effect that does a little arithmetic. */
    private static final class Unity extends AbstractEffect {
        Unity() {
            super(new EffectDescriptor("warm-up", "Warm-up", "Vocana", "1", List.of()));
        }

        @Override
        protected void onActivate(double sampleRate, int maxFrames, int channels) {
        }

        @Override
        protected void onReset() {
        }

        @Override
        protected void render(float[][] in, float[][] out, int frames) {
            for (int c = 0; c < channels(); c++) {
                for (int i = 0; i < frames; i++) {
                    out[c][i] = in[c][i] * 0.5f + in[c][i] * 0.5f;
                }
            }
        }
    }

    /** Does the work the first time it is called in this JVM (~0.1-0.3 s); then returns at once. */
    public static synchronized void once() {
        if (done) {
            return;
        }
        done = true;
        int channels = 2;
        int frames = 128;
        ChainPlayer player = new ChainPlayer(channels, frames, 480);
        FaultLog log = new FaultLog(64);
        float[][] buf = new float[channels][frames];
        TimeRecorder recorder = new TimeRecorder(3);
        for (int round = 0; round < 400; round++) {
            Chain chain = Chain.activate(List.of(new EffectInstance(new Unity(), () -> { }),
                    new EffectInstance(new Unity(), () -> { })), 48_000, frames, channels,
                    FaultPolicy.realTime(48_000, frames, 0.5), log);
            chain.bypass(round % 2, true);
            player.submit(chain);
            for (int b = 0; b < 24; b++) {
                if (b == 12) {
                    chain.bypass(round % 2, false);
                }
                long start = System.nanoTime();
                player.shed(false);
                player.process(buf, frames);
                recorder.record(System.nanoTime() - start);
            }
            player.collectRetired();
            if (round % 16 == 0) {
                recorder.summary();
            }
        }
        player.close();
        log.drain(f -> { });
    }
}
