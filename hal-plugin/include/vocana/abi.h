/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Vocana shared-memory ABI, version 1.1.  THE single source of truth for
 * the layout of a device region.  The Java host mirrors it with FFM
 * MemoryLayout; `build/layout` prints every field as `name offset size`
 * so a Java test can compare the two.  Every offset and size below is
 * pinned with _Static_assert: a change that moves anything fails to
 * compile.
 *
 * Versions (section 0): abi_major.abi_minor.  A minor version only ADDS
 * fields, in space that earlier minors reserved (and wrote as zero), and
 * never changes the meaning of an earlier field; anything else is a new
 * major version.
 *
 * ------------------------------------------------------------------------
 * 0. Growing the ABI
 * ------------------------------------------------------------------------
 * The 32-bit word at offset 8 is two 16-bit numbers: abi_major at offset 8,
 * abi_minor at offset 10.  (ABI 1.0 wrote the word as the 32-bit value 1,
 * which reads as major 1, minor 0.)  A reader built for major M, minor m:
 *   - refuses a region whose major is not M (VOCANA_E_VERSION);
 *   - accepts a region whose minor is m or higher and uses only the fields
 *     of minor m and below: bytes it does not know are reserved to it and
 *     ignored (a newer host talks to an older device side);
 *   - refuses a region whose minor is below m (VOCANA_E_VERSION_OLD): the
 *     fields it relies on are not there (update the host).
 * header_size stays 1024 for every minor of major 1: additions go into
 * reserved or padding bytes of the line of their writer (section 3).
 * A writer (host) always writes its newest minor and zeroes every byte it
 * does not know.
 *   minor 0: the layout of ABI 1.
 *   minor 1: the timing model (section 6: time_base, clock, burst_frames,
 *            late_frames, read_latency_frames, block_frames,
 *            margin_frames) and the wake-up words (section 7: wake_seq,
 *            waiting).
 *
 * ------------------------------------------------------------------------
 * 1. One region per device
 * ------------------------------------------------------------------------
 * A region is one file, mapped MAP_SHARED by the host (Java) and by the
 * device side (HAL plugin, ALSA plugin, simulator):
 *
 *   offset 0                      header (VOCANA_HEADER_SIZE = 1024 bytes)
 *   offset 1024                   ring data "to host"   (ring_bytes)
 *   offset 1024 + ring_bytes      ring data "from host" (ring_bytes)
 *   ring_bytes  = capacity_frames * channels * 4
 *   region_size = 1024 + 2 * ring_bytes           (exactly; see
 *                                                  vocana_region_size())
 *
 * "to host":   what applications play into the device.  Producer: device
 *              side.  Consumer: host.
 * "from host": what applications record from the device.  Producer: host.
 *              Consumer: device side.
 *
 * Byte order and float format are those of the machine (both processes run
 * on the same machine).  Frames are interleaved float32: frame f, channel c
 * of a ring is the float at index (f & (capacity - 1)) * channels + c.
 *
 * ------------------------------------------------------------------------
 * 2. Positions
 * ------------------------------------------------------------------------
 * write_pos and read_pos are 64-bit sample-frame counters that only grow.
 * At 384 kHz they would need 1.5 million years to wrap; nevertheless both
 * sides use only the modular difference (write_pos - read_pos) computed in
 * unsigned 64-bit (Java: plain long subtraction), so even a wrap past 2^64
 * is harmless.  The ring slot of position p is (p & (capacity - 1)).
 *   frames readable = write_pos - read_pos            (0 .. capacity)
 *   frames writable = capacity - (write_pos - read_pos)
 * A difference greater than capacity is implausible (a peer bug or a
 * hostile peer): see section 5.
 *
 * ------------------------------------------------------------------------
 * 3. Who writes what (single writer per field)
 * ------------------------------------------------------------------------
 *   host, before publishing magic, then immutable while magic is published:
 *       abi_major, abi_minor, header_size, region_size, generation,
 *       sample_rate, channels, capacity_frames, device_id, name,
 *       block_frames, margin_frames
 *   host, any time:        heartbeat, host_flags, latency_frames, magic
 *                          (withdraw: store 0)
 *   device side:           device_flags
 *   producer of a ring:    write_pos, overruns, overrun_frames,
 *                          producer_faults, time_base, clock,
 *                          burst_frames, wake_seq  (its own cache line)
 *   consumer of a ring:    read_pos, underruns, underrun_frames,
 *                          consumer_faults, late_frames,
 *                          read_latency_frames, waiting (its own line)
 *   ring data:             written only by that ring's producer, only in the
 *                          free span [write_pos, read_pos + capacity).
 * Each 128-byte line has one writer, so no line is shared between writers
 * (128 rather than 64 because of adjacent-line prefetch on x86 and the
 * 128-byte lines of Apple silicon).
 *
 * ------------------------------------------------------------------------
 * 4. Creating, publishing, restarting (host)
 * ------------------------------------------------------------------------
 * Directory: $XDG_RUNTIME_DIR/vocana (mode 0700, owned by the user); if
 * XDG_RUNTIME_DIR is unset, empty or not absolute: /tmp/vocana-<uid>
 * (same rules).  Name: <dir>/<device_id>.vreg.  The device side only opens
 * existing regions.
 *
 * The memory is a memfd (Linux), not a file: a file can be truncated by
 * anyone who may write it, and a process that touches a mapping beyond a
 * truncated end dies of SIGBUS -- the device side runs inside applications
 * (a call client, coreaudiod), so that must be impossible.  The host seals
 * the memfd with F_SEAL_SHRINK|F_SEAL_GROW|F_SEAL_SEAL: no one, the host
 * included, can ever change its size again, and a seal cannot be removed.
 * The name is a symbolic link (owned by the user) to "/proc/<host pid>/fd/
 * <n>", the host's descriptor of it; opening the link opens the memfd (as
 * the same user: the kernel's ptrace read check).  The device side refuses
 * anything else under the name: a regular file (VOCANA_E_UNSEALED: what
 * hosts before this rule wrote), another link target (VOCANA_E_FILE_TYPE),
 * or an opened file without F_SEAL_SHRINK (VOCANA_E_UNSEALED).  The memfd
 * lives while the host holds the descriptor or a device maps it: after a
 * host crash the link dangles (ENOENT: "not there", the device waits) until
 * the next host replaces it.  A reused pid behind a stale link opens
 * something that fails the seal check or the header validation, and is
 * never written.  The memfd's mode is 0600, and every page is allocated at
 * creation (posix_fallocate), so a memory shortage fails the host's
 * creation instead of a later page fault.
 *
 * Creation, in this order:
 *   1. create the memfd (MFD_ALLOW_SEALING), mode 0600, allocate
 *      region_size bytes, seal it, map it (it reads as zeros, so magic ==
 *      0: "not ready");
 *   2. write every identity field; a NEW non-zero generation (e.g. random
 *      64 bits or a boot-time nanosecond stamp: it must differ from every
 *      earlier instance of this device); positions (write_pos == read_pos,
 *      any value, typically 0) and counters 0; heartbeat any value;
 *   3. host_flags = VOCANA_HOST_RUNNING;
 *   4. store magic = VOCANA_MAGIC with RELEASE ordering: magic is
 *      published last, so a reader that loads magic with ACQUIRE and sees
 *      VOCANA_MAGIC sees every field written before it;
 *   5. make the link under a temporary name in the same directory (a
 *      leading '.', which no device id has) and rename() it onto the final
 *      name (atomic replacement);
 *   6. if a region was replaced, map its header and store host_flags =
 *      VOCANA_HOST_SHUTDOWN (release) in it: a device still mapped to it
 *      then leaves it at once instead of after the stale heartbeat limit.
 * vocana_region_create_sealed / vocana_region_publish (region_posix.h) are
 * the C reference of steps 1 and 5; the Java host does the same.
 * While running: increment heartbeat (any step, any thread) at least every
 * VOCANA_HEARTBEAT_PERIOD_MS; it is a counter, not a timestamp, so the two
 * sides never compare clocks.
 * latency_frames (release): the host's processing latency in frames on top
 * of one IO buffer (the latency of the chain in use); the device side adds
 * it to the latency it reports to applications, clamped to the capacity.
 * Orderly stop: host_flags = VOCANA_HOST_SHUTDOWN (release), then remove
 * the name if it still links to this region.
 * Restart: a new region with a new generation (steps 1-6).  A host that
 * re-uses a region in place must store magic = 0 first, re-initialise, store
 * a new generation and publish magic again.
 * Self-check: the host verifies, at least once a second, that the name
 * still links to its region and that the header still validates with its
 * generation; otherwise (the name removed or replaced, the header
 * scribbled over) it creates a new region (steps 1-6) and withdraws the
 * old one, and the device re-attaches.
 *
 * Shared-memory transport (macOS, where the HAL driver runs as another
 * user in a sandbox that cannot open the user's files): the region is the
 * POSIX shared-memory object "/vocana.<device_id>" (at most 30 characters,
 * so ids of at most 22) instead of a file.  Creation: an existing object
 * of this user under the name is kept mapped (header only), the name is
 * removed (shm_unlink) and created anew (O_CREAT|O_EXCL, mode 0666 on
 * macOS so that _coreaudiod can open it), sized, then steps 2-4 and 6;
 * there is no rename, so the device side may see the new object with
 * magic == 0 for a moment ("not ready": it retries).  The device side
 * accepts only objects owned by the uid it is configured with, and maps an
 * object whose size macOS rounded up to whole pages at the header's
 * region_size.  Orderly stop: SHUTDOWN, then shm_unlink if the name still
 * holds this generation.
 *
 * ------------------------------------------------------------------------
 * 5. What the device side does, and may assume
 * ------------------------------------------------------------------------
 * On attach the device discards what the "from host" ring holds (it was
 * written before this device session: stale audio), by moving read_pos up
 * to write_pos.  How it reads from then on is the timing model (section 6).
 * Nothing: every field is untrusted.  Attaching = load magic (acquire),
 * copy the header into private memory, validate every field of the copy
 * (magic, version, sizes against the mapped size, rate, channels, capacity
 * a power of two within bounds, names NUL-terminated, flags, positions
 * plausible), re-load magic and generation and refuse if either changed.
 * Not constrained (any value is safe): reserved and padding bytes,
 * heartbeat, device_flags, latency_frames (clamped by its reader) and the
 * counters.
 * After that only the private copy of the geometry is used; positions are
 * re-read on every operation and a side keeps its OWN position privately
 * (the shared copy is only published, never read back).
 * Ring operations (acquire/release only):
 *   producer: load peer read_pos (acquire); copy frames into the free span;
 *             store write_pos (release).
 *   consumer: load peer write_pos (acquire); copy frames out; store
 *             read_pos (release).
 * Full ring: the producer writes what fits and DROPS THE NEWEST frames
 *   (it may not move read_pos, which the consumer owns); it counts one
 *   overrun event and the dropped frames.
 * Empty ring: the consumer returns what there is, fills the rest with
 *   silence (0.0f) and counts one underrun event and the missing frames.
 * Implausible peer position (distance > capacity, including a consumer
 *   "ahead" of the producer): the detecting side counts a fault and
 *   resynchronises its own position to the peer's (the ring is then empty).
 *   Indices are always masked, so no position can address memory outside
 *   the ring.
 * The host is considered gone, and the device side detaches (plays
 * silence, drops input), when: magic is no longer VOCANA_MAGIC, generation
 * differs from the one attached to, host_flags lacks RUNNING or has
 * SHUTDOWN, or heartbeat has not changed for the device's timeout (default
 * VOCANA_HEARTBEAT_TIMEOUT_MS, measured with the device's own clock).  A
 * freshly attached region is used for audio only once its heartbeat has
 * been seen to move.  The device side retries attaching by itself.
 * The device side sets VOCANA_DEVICE_ATTACHED in device_flags while it uses
 * the region (information for the host; it is never required).
 *
 * Limits: one device-side process and one host per region (single producer,
 * single consumer per ring).
 *
 * ------------------------------------------------------------------------
 * 6. The timing model (minor 1)
 * ------------------------------------------------------------------------
 * Every frame has a device time: the sample clock of the device side that
 * produced it.  Positions stay what they are (a FIFO counter); a ring's
 * producer publishes how positions map to time:
 *     time(p) = p + time_base          (64-bit, modular)
 * clock names the clock that time counts in:
 *     0                      VOCANA_CLOCK_NONE: frames carry no time; the
 *                            ring is a plain FIFO (an unpaced producer,
 *                            e.g. the simulator's fast mode);
 *     1                      VOCANA_CLOCK_MONOTONIC: frames of the
 *                            system's monotonic clock at the region's rate,
 *                            floor(ns * rate / 10^9) (Linux CLOCK_MONOTONIC;
 *                            every process on the machine shares it);
 *     bit 31 set             a private clock of one device-side process
 *                            that serves both directions (macOS driver:
 *                            coreaudiod's sample time); the value is that
 *                            process's own id (VOCANA_CLOCK_PRIVATE | pid).
 * burst_frames: the most frames by which the producer's writes may trail
 * the device time of the frames they carry (its IO cycle or timer tick).
 * The producer stores time_base, clock and burst_frames (relaxed) BEFORE
 * the write_pos that publishes frames stamped with them (release); a frame
 * after a gap in the producer's timeline (it dropped or skipped time) just
 * comes with a new time_base, which the producer publishes only into an
 * EMPTY ring (write_pos == read_pos): there is one time_base per ring, and
 * frames still queued would be read by the new one, at the wrong time.
 * Until the consumer has drained the ring, such a producer drops its
 * frames and counts them as an overrun (a discontinuity is a loss event
 * anyway; the drain takes at most the consumer's latency).  Stamps must
 * be exact: a continuous stream
 * keeps time_base unchanged from write to write, so derive each write's
 * time from a frame counter (start + frames so far), never from a clock
 * reading per write; a time_base that moves by one frame makes the reader
 * drop or repeat-as-silence one frame (a click).
 *
 * Who stamps what:
 *   "to host":   the device side, with the device time of each frame
 *                (playback: when the virtual card plays it; a microphone:
 *                when it was captured).
 *   "from host": the host carries the stamp through: a block it read from
 *                "to host" at position p and wrote to "from host" at q gets
 *                from_host.time_base = p + to_host.time_base - q and the
 *                same clock.  (The chain's own latency is in the signal, not
 *                in the stamp.)  The host publishes block_frames, the block
 *                it waits for before it processes, and margin_frames, the
 *                reader margin its configuration asks for (0: the device
 *                side's default, VOCANA_MARGIN_MS).
 *
 * The "from host" reader (the device side) reads at a fixed latency L
 * behind the producer's clock.  To fill the frames of device time
 * [c, c + n) it wants ring position
 *     target = c - L - from_host.time_base
 * and, with d = target - read_pos (signed 64-bit):
 *     d > 0   frames [read_pos, target) are late (their time has passed):
 *             skip what of them is there (counted in late_frames);
 *     d < 0   the producer has nothing for the first -d frames (a gap in
 *             its timeline, or the start): silence, read_pos stays;
 *     then    read the rest; frames not there yet are silence and count as
 *             an underrun (they will be late when they arrive).
 *     and   a ring holding more than L + capacity / 4 frames before the read
 *             is a backlog no timed reader keeps (it stopped; or it waited on
 *             frames stamped with a newer time_base than their own, which a
 *             producer dropping on a full ring makes, and would wait for
 *             good): all of it is dropped (late_frames) first.
 * The reader recomputes target on every read, so there is no state to
 * latch: after any interruption (a host stopped, a writer that stopped or
 * dropped, a full or empty ring) the first read after the producer is back
 * is at latency L again.  Steady state drops and inserts nothing as long as
 * every frame reaches the ring within L of its device time.
 *     L = burst_frames (of "to host") + block_frames + margin
 *     margin = margin_frames if non-zero, else VOCANA_MARGIN_MS of frames;
 *     each term is clamped to capacity / 4.
 * (A frame of time t reaches "to host" by t + burst; the host waits for its
 * block, at most block_frames more; the margin covers the host's wake-up
 * and processing and either side's scheduling.)  The reader publishes L in
 * read_latency_frames, so the host knows the round trip: L plus its chain's
 * latency.  A reader uses the stamps only if from_host.clock equals the
 * clock it counts in; otherwise (clock 0, another clock, minor 0) it reads
 * as a FIFO.  late_frames, underruns and underrun_frames count the loss;
 * the host reports them.
 *
 * ------------------------------------------------------------------------
 * 7. Wake-up words (minor 1)
 * ------------------------------------------------------------------------
 * A consumer that sleeps instead of polling stores waiting = 1 (release) in
 * its ring's consumer line, re-checks write_pos, and waits on the 32-bit
 * wake_seq of the producer line (Linux: FUTEX_WAIT on the shared mapping,
 * with a bounded timeout, so a dead producer never blocks it), then stores
 * waiting = 0.  A producer, after storing write_pos, loads waiting
 * (acquire); if it is non-zero it increments wake_seq (release) and wakes
 * the word (FUTEX_WAKE; macOS: os_sync_wake_by_address_any).  A producer
 * that does not know minor 1 never wakes anyone: the consumer's bounded
 * wait then degrades to polling.
 */
#ifndef VOCANA_ABI_H
#define VOCANA_ABI_H

#include <limits.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* ---- identity ---------------------------------------------------------- */
/* The bytes "VOCANARG" as they appear in memory on a little-endian machine. */
#define VOCANA_MAGIC        UINT64_C(0x4752414E41434F56)
#define VOCANA_ABI_MAJOR    1u
#define VOCANA_ABI_MINOR    1u   /* this code's minor (section 0) */

/* ---- geometry ---------------------------------------------------------- */
#define VOCANA_LINE          128u    /* writer-separation unit (bytes)     */
#define VOCANA_REGION_ALIGN  128u    /* required alignment of a mapping     */
#define VOCANA_HEADER_SIZE   1024u
#define VOCANA_SAMPLE_BYTES  4u      /* float32                            */
#define VOCANA_DEVICE_ID_SIZE 32u    /* incl. NUL: ids of 1..31 chars      */
#define VOCANA_NAME_SIZE     64u     /* incl. NUL: names of 0..63 bytes    */

/* ---- accepted ranges --------------------------------------------------- */
#define VOCANA_RATE_MIN      8000u
#define VOCANA_RATE_MAX      384000u
#define VOCANA_CHANNELS_MIN  1u
#define VOCANA_CHANNELS_MAX  32u
#define VOCANA_CAPACITY_MIN  256u          /* frames, power of two */
#define VOCANA_CAPACITY_MAX  (1u << 20)    /* frames, power of two */
#define VOCANA_IO_FRAMES_MAX 16384u        /* largest IO buffer a device may use */
/* largest valid region: 1024 + 2 * 2^20 * 32 * 4 bytes = 256 MiB + 1 KiB */
#define VOCANA_REGION_MAX \
    ((uint64_t)VOCANA_HEADER_SIZE + 2u * (uint64_t)VOCANA_CAPACITY_MAX * \
     VOCANA_CHANNELS_MAX * VOCANA_SAMPLE_BYTES)

/* ---- capacity derivation ----------------------------------------------- */
/*
 * capacity = next power of two >= IO_FACTOR * max_io_frames
 *                                 + sample_rate * MARGIN_MS / 1000
 * i.e. room for four of the largest IO buffers (the producer's burst while
 * the consumer holds up to three) PLUS half a second of audio: the host may
 * be stopped that long (a debugger, SIGSTOP, a VM pause) without the
 * device side overrunning, and a device side may keep up to half the ring
 * in flight (the ALSA plugin bounds applications' buffers to that).  Then
 * rounded up, which only adds margin.
 * Examples:
 *   48 kHz,   128 frames:   512 +  24000 =  24512 ->  32768 frames (683 ms)
 *   48 kHz,  4096 frames: 16384 +  24000 =  40384 ->  65536 frames (1.37 s)
 *  192 kHz,  4096 frames: 16384 +  96000 = 112384 -> 131072 frames (683 ms)
 *  384 kHz, 16384 frames: 65536 + 192000 = 257536 -> 262144 frames
 * Capacity only bounds the fill; latency is set by the timing model
 * (section 6), so a generous capacity costs memory (1 MiB for 192 kHz
 * stereo), not delay.  Returns 0 if an argument is out of range.
 */
#define VOCANA_CAPACITY_IO_FACTOR 4u
#define VOCANA_CAPACITY_MARGIN_MS 500u

static inline uint32_t vocana_capacity_for(uint32_t sample_rate,
                                           uint32_t max_io_frames)
{
    if (sample_rate < VOCANA_RATE_MIN || sample_rate > VOCANA_RATE_MAX ||
        max_io_frames < 1u || max_io_frames > VOCANA_IO_FRAMES_MAX)
        return 0;
    uint64_t need = (uint64_t)VOCANA_CAPACITY_IO_FACTOR * max_io_frames +
                    ((uint64_t)sample_rate * VOCANA_CAPACITY_MARGIN_MS + 999u) / 1000u;
    uint64_t cap = VOCANA_CAPACITY_MIN;
    while (cap < need)
        cap <<= 1;
    return cap > VOCANA_CAPACITY_MAX ? 0u : (uint32_t)cap;
}

/* Bytes of one ring's data (no range checks: callers validate first). */
static inline uint64_t vocana_ring_bytes(uint32_t capacity_frames, uint32_t channels)
{
    return (uint64_t)capacity_frames * channels * VOCANA_SAMPLE_BYTES;
}

static inline uint64_t vocana_region_size(uint32_t capacity_frames, uint32_t channels)
{
    return VOCANA_HEADER_SIZE + 2u * vocana_ring_bytes(capacity_frames, channels);
}

/* Offset of a ring's data: which = VOCANA_RING_TO_HOST or _FROM_HOST. */
#define VOCANA_RING_TO_HOST   0u
#define VOCANA_RING_FROM_HOST 1u
static inline uint64_t vocana_ring_data_offset(uint32_t capacity_frames,
                                               uint32_t channels, unsigned which)
{
    return VOCANA_HEADER_SIZE + (uint64_t)which * vocana_ring_bytes(capacity_frames, channels);
}

/* ---- flags and timing -------------------------------------------------- */
#define VOCANA_HOST_RUNNING      1u   /* host serves this region          */
#define VOCANA_HOST_SHUTDOWN     2u   /* host stopped in an orderly way   */
#define VOCANA_HOST_FLAGS_KNOWN  3u   /* any other bit: region refused    */
#define VOCANA_DEVICE_ATTACHED   1u   /* device side uses the region      */

#define VOCANA_HEARTBEAT_PERIOD_MS  100u  /* host bumps at least this often */
#define VOCANA_HEARTBEAT_TIMEOUT_MS 1000u /* device default staleness limit */
#define VOCANA_RETRY_INTERVAL_MS    250u  /* device default re-attach period */

#define VOCANA_REGION_SUFFIX ".vreg"

/* ---- timing model (section 6) ------------------------------------------ */
#define VOCANA_CLOCK_NONE       0u
#define VOCANA_CLOCK_MONOTONIC  1u
#define VOCANA_CLOCK_PRIVATE    0x80000000u /* | a process id */
#define VOCANA_MARGIN_MS        5u          /* default reader margin */

/* ---- the layout -------------------------------------------------------- */
/*
 * Control block of one ring: 256 bytes, two lines, one writer each.
 * Counters are event counts (overruns, underruns), frame counts
 * (overrun_frames dropped, underrun_frames of silence) and faults
 * (implausible peer positions seen and resynchronised).
 */
struct vocana_ring_ctl {
    /* producer line */
    _Alignas(VOCANA_LINE) _Atomic uint64_t write_pos;
    _Atomic uint64_t overruns;
    _Atomic uint64_t overrun_frames;
    _Atomic uint64_t producer_faults;
    _Atomic uint64_t time_base;      /* minor 1: time(p) = p + time_base   */
    _Atomic uint32_t clock;          /* minor 1: VOCANA_CLOCK_*            */
    _Atomic uint32_t burst_frames;   /* minor 1: writes trail time by this */
    _Atomic uint32_t wake_seq;       /* minor 1: futex word (section 7)    */
    uint8_t producer_pad[VOCANA_LINE - 52u];
    /* consumer line */
    _Alignas(VOCANA_LINE) _Atomic uint64_t read_pos;
    _Atomic uint64_t underruns;
    _Atomic uint64_t underrun_frames;
    _Atomic uint64_t consumer_faults;
    _Atomic uint64_t late_frames;    /* minor 1: late frames skipped       */
    _Atomic uint32_t read_latency_frames; /* minor 1: the reader's L       */
    _Atomic uint32_t waiting;        /* minor 1: consumer sleeps (sec. 7)  */
    uint8_t consumer_pad[VOCANA_LINE - 48u];
};

struct vocana_region_header {
    /* lines 0-1: identity (host, before magic; immutable while published) */
    _Alignas(VOCANA_LINE) _Atomic uint64_t magic;
    uint16_t abi_major;            /* == VOCANA_ABI_MAJOR (section 0)       */
    uint16_t abi_minor;            /* >= the reader's minor                 */
    uint32_t header_size;          /* == VOCANA_HEADER_SIZE                 */
    uint64_t region_size;          /* == file size == vocana_region_size()  */
    _Atomic uint64_t generation;   /* != 0, new on every host (re)start     */
    uint32_t sample_rate;          /* Hz                                    */
    uint32_t channels;             /* interleaved float32 per frame         */
    uint32_t capacity_frames;      /* power of two, per ring                */
    uint32_t reserved0;            /* host writes 0; readers ignore it      */
    char device_id[VOCANA_DEVICE_ID_SIZE]; /* [A-Za-z0-9_.-], not "."-first  */
    char name[VOCANA_NAME_SIZE];   /* UTF-8, NUL-terminated, no controls    */
    uint8_t reserved1[2u * VOCANA_LINE - 144u];
    /* line 2: host liveness */
    _Alignas(VOCANA_LINE) _Atomic uint64_t heartbeat;
    _Atomic uint32_t host_flags;
    _Atomic uint32_t latency_frames; /* host processing latency, see 4  */
    uint32_t block_frames;         /* minor 1: host block (section 6)       */
    uint32_t margin_frames;        /* minor 1: reader margin, 0: default    */
    uint8_t host_pad[VOCANA_LINE - 24u];
    /* line 3: device side */
    _Alignas(VOCANA_LINE) _Atomic uint32_t device_flags;
    uint8_t device_pad[VOCANA_LINE - 4u];
    /* lines 4-7: ring control blocks */
    struct vocana_ring_ctl to_host;
    struct vocana_ring_ctl from_host;
};

/* ---- pinned offsets (bytes from the start of the region) --------------- */
#define VOCANA_OFF_MAGIC            0u
#define VOCANA_OFF_ABI_MAJOR        8u
#define VOCANA_OFF_ABI_MINOR       10u
#define VOCANA_OFF_HEADER_SIZE     12u
#define VOCANA_OFF_REGION_SIZE     16u
#define VOCANA_OFF_GENERATION      24u
#define VOCANA_OFF_SAMPLE_RATE     32u
#define VOCANA_OFF_CHANNELS        36u
#define VOCANA_OFF_CAPACITY        40u
#define VOCANA_OFF_RESERVED0       44u
#define VOCANA_OFF_DEVICE_ID       48u
#define VOCANA_OFF_NAME            80u
#define VOCANA_OFF_RESERVED1      144u
#define VOCANA_OFF_HEARTBEAT      256u
#define VOCANA_OFF_HOST_FLAGS     264u
#define VOCANA_OFF_LATENCY        268u
#define VOCANA_OFF_BLOCK_FRAMES   272u
#define VOCANA_OFF_MARGIN_FRAMES  276u
#define VOCANA_OFF_DEVICE_FLAGS   384u
#define VOCANA_OFF_TO_HOST        512u
#define VOCANA_OFF_FROM_HOST      768u
/* within a ring control block */
#define VOCANA_RING_OFF_WRITE_POS         0u
#define VOCANA_RING_OFF_OVERRUNS          8u
#define VOCANA_RING_OFF_OVERRUN_FRAMES   16u
#define VOCANA_RING_OFF_PRODUCER_FAULTS  24u
#define VOCANA_RING_OFF_TIME_BASE        32u
#define VOCANA_RING_OFF_CLOCK            40u
#define VOCANA_RING_OFF_BURST_FRAMES     44u
#define VOCANA_RING_OFF_WAKE_SEQ         48u
#define VOCANA_RING_OFF_READ_POS        128u
#define VOCANA_RING_OFF_UNDERRUNS       136u
#define VOCANA_RING_OFF_UNDERRUN_FRAMES 144u
#define VOCANA_RING_OFF_CONSUMER_FAULTS 152u
#define VOCANA_RING_OFF_LATE_FRAMES     160u
#define VOCANA_RING_OFF_READ_LATENCY    168u
#define VOCANA_RING_OFF_WAITING         172u
#define VOCANA_RING_CTL_SIZE            256u

/* Atomics must be plain, lock-free machine words so another process (and
 * Java VarHandles on a MemorySegment) can operate on the same bytes. */
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "64-bit atomics must be lock-free");
_Static_assert(ATOMIC_LONG_LOCK_FREE == 2, "long atomics must be lock-free");
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "32-bit atomics must be lock-free");
_Static_assert(sizeof(_Atomic uint64_t) == 8 && _Alignof(_Atomic uint64_t) == 8,
               "_Atomic uint64_t must be a plain 8-byte word");
_Static_assert(sizeof(_Atomic uint32_t) == 4 && _Alignof(_Atomic uint32_t) == 4,
               "_Atomic uint32_t must be a plain 4-byte word");
_Static_assert(sizeof(float) == 4, "float32 samples");
_Static_assert(CHAR_BIT == 8, "8-bit bytes");

#define VOCANA_ASSERT_FIELD(type, field, off, size)                          \
    _Static_assert(offsetof(type, field) == (off), #field " offset");       \
    _Static_assert(sizeof(((type *)0)->field) == (size), #field " size")

VOCANA_ASSERT_FIELD(struct vocana_ring_ctl, write_pos, VOCANA_RING_OFF_WRITE_POS, 8);
VOCANA_ASSERT_FIELD(struct vocana_ring_ctl, overruns, VOCANA_RING_OFF_OVERRUNS, 8);
VOCANA_ASSERT_FIELD(struct vocana_ring_ctl, overrun_frames, VOCANA_RING_OFF_OVERRUN_FRAMES, 8);
VOCANA_ASSERT_FIELD(struct vocana_ring_ctl, producer_faults, VOCANA_RING_OFF_PRODUCER_FAULTS, 8);
VOCANA_ASSERT_FIELD(struct vocana_ring_ctl, time_base, VOCANA_RING_OFF_TIME_BASE, 8);
VOCANA_ASSERT_FIELD(struct vocana_ring_ctl, clock, VOCANA_RING_OFF_CLOCK, 4);
VOCANA_ASSERT_FIELD(struct vocana_ring_ctl, burst_frames, VOCANA_RING_OFF_BURST_FRAMES, 4);
VOCANA_ASSERT_FIELD(struct vocana_ring_ctl, wake_seq, VOCANA_RING_OFF_WAKE_SEQ, 4);
VOCANA_ASSERT_FIELD(struct vocana_ring_ctl, producer_pad, 52, 76);
VOCANA_ASSERT_FIELD(struct vocana_ring_ctl, read_pos, VOCANA_RING_OFF_READ_POS, 8);
VOCANA_ASSERT_FIELD(struct vocana_ring_ctl, underruns, VOCANA_RING_OFF_UNDERRUNS, 8);
VOCANA_ASSERT_FIELD(struct vocana_ring_ctl, underrun_frames, VOCANA_RING_OFF_UNDERRUN_FRAMES, 8);
VOCANA_ASSERT_FIELD(struct vocana_ring_ctl, consumer_faults, VOCANA_RING_OFF_CONSUMER_FAULTS, 8);
VOCANA_ASSERT_FIELD(struct vocana_ring_ctl, late_frames, VOCANA_RING_OFF_LATE_FRAMES, 8);
VOCANA_ASSERT_FIELD(struct vocana_ring_ctl, read_latency_frames, VOCANA_RING_OFF_READ_LATENCY, 4);
VOCANA_ASSERT_FIELD(struct vocana_ring_ctl, waiting, VOCANA_RING_OFF_WAITING, 4);
VOCANA_ASSERT_FIELD(struct vocana_ring_ctl, consumer_pad, 176, 80);
_Static_assert(sizeof(struct vocana_ring_ctl) == VOCANA_RING_CTL_SIZE, "ring ctl size");

VOCANA_ASSERT_FIELD(struct vocana_region_header, magic, VOCANA_OFF_MAGIC, 8);
VOCANA_ASSERT_FIELD(struct vocana_region_header, abi_major, VOCANA_OFF_ABI_MAJOR, 2);
VOCANA_ASSERT_FIELD(struct vocana_region_header, abi_minor, VOCANA_OFF_ABI_MINOR, 2);
VOCANA_ASSERT_FIELD(struct vocana_region_header, header_size, VOCANA_OFF_HEADER_SIZE, 4);
VOCANA_ASSERT_FIELD(struct vocana_region_header, region_size, VOCANA_OFF_REGION_SIZE, 8);
VOCANA_ASSERT_FIELD(struct vocana_region_header, generation, VOCANA_OFF_GENERATION, 8);
VOCANA_ASSERT_FIELD(struct vocana_region_header, sample_rate, VOCANA_OFF_SAMPLE_RATE, 4);
VOCANA_ASSERT_FIELD(struct vocana_region_header, channels, VOCANA_OFF_CHANNELS, 4);
VOCANA_ASSERT_FIELD(struct vocana_region_header, capacity_frames, VOCANA_OFF_CAPACITY, 4);
VOCANA_ASSERT_FIELD(struct vocana_region_header, reserved0, VOCANA_OFF_RESERVED0, 4);
VOCANA_ASSERT_FIELD(struct vocana_region_header, device_id, VOCANA_OFF_DEVICE_ID, VOCANA_DEVICE_ID_SIZE);
VOCANA_ASSERT_FIELD(struct vocana_region_header, name, VOCANA_OFF_NAME, VOCANA_NAME_SIZE);
VOCANA_ASSERT_FIELD(struct vocana_region_header, reserved1, VOCANA_OFF_RESERVED1, 112);
VOCANA_ASSERT_FIELD(struct vocana_region_header, heartbeat, VOCANA_OFF_HEARTBEAT, 8);
VOCANA_ASSERT_FIELD(struct vocana_region_header, host_flags, VOCANA_OFF_HOST_FLAGS, 4);
VOCANA_ASSERT_FIELD(struct vocana_region_header, latency_frames, VOCANA_OFF_LATENCY, 4);
VOCANA_ASSERT_FIELD(struct vocana_region_header, block_frames, VOCANA_OFF_BLOCK_FRAMES, 4);
VOCANA_ASSERT_FIELD(struct vocana_region_header, margin_frames, VOCANA_OFF_MARGIN_FRAMES, 4);
VOCANA_ASSERT_FIELD(struct vocana_region_header, host_pad, 280, 104);
VOCANA_ASSERT_FIELD(struct vocana_region_header, device_flags, VOCANA_OFF_DEVICE_FLAGS, 4);
VOCANA_ASSERT_FIELD(struct vocana_region_header, device_pad, 388, 124);
VOCANA_ASSERT_FIELD(struct vocana_region_header, to_host, VOCANA_OFF_TO_HOST, VOCANA_RING_CTL_SIZE);
VOCANA_ASSERT_FIELD(struct vocana_region_header, from_host, VOCANA_OFF_FROM_HOST, VOCANA_RING_CTL_SIZE);
_Static_assert(sizeof(struct vocana_region_header) == VOCANA_HEADER_SIZE, "header size");
_Static_assert(_Alignof(struct vocana_region_header) == VOCANA_LINE, "header alignment");
_Static_assert(VOCANA_HEADER_SIZE % VOCANA_LINE == 0, "ring data starts on a line");
_Static_assert((VOCANA_CAPACITY_MIN & (VOCANA_CAPACITY_MIN - 1u)) == 0 &&
               (VOCANA_CAPACITY_MAX & (VOCANA_CAPACITY_MAX - 1u)) == 0,
               "capacity bounds are powers of two");
/* every ring_bytes is a multiple of the line, so ring 1 is line-aligned too */
_Static_assert((VOCANA_CAPACITY_MIN * VOCANA_SAMPLE_BYTES) % VOCANA_LINE == 0,
               "smallest ring is a whole number of lines");

#endif /* VOCANA_ABI_H */
