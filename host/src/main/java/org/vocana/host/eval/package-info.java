/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
/**
 * Evaluation of noise suppressors: the dev set (speech made by {@code host/eval/make-devset.sh},
 * noises generated from fixed seeds), the objective metrics (SI-SDR, Loizou's segmental SNR,
 * Taal's STOI), delay compensation by cross-correlation, and the side-by-side run behind
 * {@code vocana eval}.
 */
package org.vocana.host.eval;
