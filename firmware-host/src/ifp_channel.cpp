#include "ifp_channel.h"

#include <algorithm>

namespace fax::sim::detail {
namespace {

// Sequence numbers are 16 bits and wrap: compare by signed distance.
int seq_diff(std::uint16_t a, std::uint16_t b) { return static_cast<std::int16_t>(static_cast<std::uint16_t>(a - b)); }

double unit(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

}  // namespace

IfpChannel::IfpChannel(std::optional<LineFaults::Packets> faults, std::uint64_t seed, PacketStats* stats)
    : faults_(std::move(faults)), rng_(seed), stats_(stats) {}

void IfpChannel::send(std::span<const std::uint8_t> ifp, std::uint16_t seq, int count, Samples at) {
    const int redundancy = faults_ ? std::clamp(faults_->redundancy, 0, 4) : 0;
    std::vector<Ifp> secondary;
    if (redundancy > 0) {
        const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(redundancy), history_.size());
        secondary.assign(history_.end() - static_cast<std::ptrdiff_t>(n), history_.end());
    }
    for (int copy = 0; copy < std::max(count, 1); ++copy) {
        if (stats_) ++stats_->sent;
        // Three draws per datagram, always, in this order.
        const double u_loss = unit(rng_);
        const std::uint64_t r_jitter = rng_();
        const double u_reorder = unit(rng_);
        if (!faults_) {
            flight_.push_back(Datagram{at, next_no_++, Ifp{seq, {ifp.begin(), ifp.end()}}, secondary});
            continue;
        }
        const auto& f = *faults_;
        bool lost = false;
        if (burst_left_ > 0) {
            lost = true;
            --burst_left_;
        } else if (u_loss < f.loss) {
            lost = true;
            burst_left_ = std::max(f.burst, 1) - 1;
        }
        if (lost) {
            if (stats_) ++stats_->lost;
            continue;
        }
        Samples when = at + f.delay;
        if (f.jitter.count() > 0) when += Samples{static_cast<std::int64_t>(r_jitter % static_cast<std::uint64_t>(f.jitter.count()))};
        if (u_reorder < f.reorder) {
            when += f.reorder_by;
            if (stats_) ++stats_->reordered;
        }
        Datagram d{when, next_no_++, Ifp{seq, {ifp.begin(), ifp.end()}}, secondary};
        // Keep flight_ sorted by (at, no): a new datagram goes after every one arriving no later.
        const auto pos = std::upper_bound(flight_.begin(), flight_.end(), d.at,
                                          [](Samples t, const Datagram& x) { return t < x.at; });
        flight_.insert(pos, std::move(d));
    }
    if (redundancy > 0 && (history_.empty() || history_.back().seq != seq)) {
        history_.push_back(Ifp{seq, {ifp.begin(), ifp.end()}});
        if (history_.size() > 4) history_.erase(history_.begin());
    }
}

std::optional<Samples> IfpChannel::next_arrival() const {
    if (flight_.empty()) return std::nullopt;
    return flight_.front().at;
}

void IfpChannel::deliver_due(Samples now,
                             const std::function<void(std::span<const std::uint8_t>, std::uint16_t)>& deliver) {
    std::size_t taken = 0;
    while (taken < flight_.size() && flight_[taken].at <= now) ++taken;
    if (taken == 0) return;
    std::vector<Datagram> due(std::make_move_iterator(flight_.begin()),
                              std::make_move_iterator(flight_.begin() + static_cast<std::ptrdiff_t>(taken)));
    flight_.erase(flight_.begin(), flight_.begin() + static_cast<std::ptrdiff_t>(taken));
    for (const Datagram& d : due) {
        if (stats_) ++stats_->delivered;
        if (expected_ && seq_diff(d.primary.seq, *expected_) > 0) {
            // A gap: the IFPs between what was expected and this one may ride in its redundancy.
            for (const Ifp& s : d.secondary) {
                if (seq_diff(s.seq, *expected_) < 0 || seq_diff(s.seq, d.primary.seq) >= 0) continue;
                if (stats_) {
                    ++stats_->recovered;
                    ++stats_->ifp;
                }
                deliver(s.bytes, s.seq);
                expected_ = static_cast<std::uint16_t>(s.seq + 1);
            }
        }
        if (stats_) ++stats_->ifp;
        deliver(d.primary.bytes, d.primary.seq);
        const auto next = static_cast<std::uint16_t>(d.primary.seq + 1);
        if (!expected_ || seq_diff(next, *expected_) > 0) expected_ = next;
    }
}

}  // namespace fax::sim::detail
