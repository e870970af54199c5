/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * Reading and writing WAV files for offline processing: 16/24/32-bit PCM and 32-bit float,
 * 1..8 channels, 8..192 kHz. Reading streams through a small reusable buffer; writing goes to a
 * temporary file that replaces the target only when complete. Every problem with a file is a
 * {@link org.vocana.host.wav.WavException} with a one-line message naming the file.
 */
package org.vocana.host.wav;
