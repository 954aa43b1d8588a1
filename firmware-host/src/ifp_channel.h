// IfpChannel: one direction of a simulated T.38 call's datagram path (UDPTL over IP),
// in simulated time and reproducibly. It carries IFP packets as t38_core emits them and
// applies the receiving line's packet faults (LineFaults::Packets): loss (with bursts),
// one-way delay, jitter, reordering and UDPTL redundancy (T.38 Annex D: every datagram
// also carries the last `redundancy` IFPs, so a receiver that sees a gap can take the
// missing packets from the next datagram that arrives).
//
// No I/O, no clock: times are Samples handed in by the caller; every random draw comes
// from one mt19937_64 seeded by the caller, three draws per datagram in a fixed order
// (loss, jitter, reorder) whichever knobs are set.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <span>
#include <vector>

#include "fax/base/time.h"
#include "fax/sim/exchange.h"

namespace fax::sim::detail {

class IfpChannel {
public:
    // `stats` (may be null) collects what the channel did; it must outlive the channel.
    IfpChannel(std::optional<LineFaults::Packets> faults, std::uint64_t seed, PacketStats* stats);

    // One IFP packet emitted at `at`, sent as `count` datagrams (repeats, same `seq`).
    void send(std::span<const std::uint8_t> ifp, std::uint16_t seq, int count, Samples at);
    // When the next datagram arrives, if any is in flight.
    std::optional<Samples> next_arrival() const;
    // Hands every IFP of the datagrams arriving at or before `now` to `deliver`, in order
    // of arrival (ties: order of sending); missing IFPs recovered from a datagram's
    // redundancy come first, oldest first.
    void deliver_due(Samples now, const std::function<void(std::span<const std::uint8_t>, std::uint16_t)>& deliver);
    bool idle() const { return flight_.empty(); }

private:
    struct Ifp {
        std::uint16_t seq = 0;
        std::vector<std::uint8_t> bytes;
    };
    struct Datagram {
        Samples at{0};
        std::uint64_t no = 0;
        Ifp primary;
        std::vector<Ifp> secondary;  // oldest first
    };

    std::optional<LineFaults::Packets> faults_;
    std::mt19937_64 rng_;
    PacketStats* stats_;
    int burst_left_ = 0;
    std::uint64_t next_no_ = 0;
    std::vector<Ifp> history_;        // the last IFPs sent (distinct sequence numbers), oldest first
    std::vector<Datagram> flight_;    // kept sorted by (at, no)
    std::optional<std::uint16_t> expected_;  // the receiver's next sequence number
};

}  // namespace fax::sim::detail
