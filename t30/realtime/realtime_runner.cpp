#include "fax/t30/realtime_runner.h"

#include <array>

namespace fax::t30 {

RealtimeRunner::RealtimeRunner(CallSession& session, hal::Transport& transport, RealtimeOptions options)
    : session_(session), transport_(transport), options_(std::move(options)) {}

double RealtimeRunner::elapsed_seconds() const {
    return std::chrono::duration<double>(clock_.now()).count();
}

void RealtimeRunner::fail_transport(Error e) {
    if (status_.ok()) status_ = fail(e);
    session_.transport_failed(std::move(e));
    done_ = true;
}

Status RealtimeRunner::begin() {
    const auto flow = options_.flow == hal::FlowControl::Software ? hal::FlowControl::None : options_.flow;
    FAX_TRY(transport_.set_flow_control(flow));
    session_.advance_to(clock_.now());
    return {};
}

void RealtimeRunner::cancel() {
    if (!cancelled_) {
        cancelled_ = true;
        session_.cancel();
    }
}

void RealtimeRunner::switch_flow_if_due() {
    if (done_ || options_.flow != hal::FlowControl::Software || !pending_.empty()) return;
    if (session_.transmitting_data() == tx_flow_) return;
    tx_flow_ = session_.transmitting_data();
    // Drain first so XON/XOFF never stops (or stops applying to) bytes already queued.
    if (!tx_flow_) (void)transport_.drain(std::chrono::milliseconds(5000));
    if (auto s = transport_.set_flow_control(tx_flow_ ? hal::FlowControl::Software : hal::FlowControl::None); !s)
        fail_transport(s.take_error());
}

void RealtimeRunner::service(std::chrono::milliseconds wait) {
    if (done_) return;
    if (clock_.now() > std::chrono::duration_cast<Samples>(options_.limit)) {
        if (!cancelled_) status_ = fail(Errc::Timeout, "the call took longer than the call limit");
        cancel();
    }
    std::array<uint8_t, 4096> buf{};
    const auto write_wait = wait;
    for (;;) {
        auto n = transport_.read(buf, wait);
        if (!n) return fail_transport(n.take_error());
        if (*n == 0) break;
        session_.on_bytes(std::span<const uint8_t>(buf.data(), *n));
        if (*n < buf.size()) break;
        wait = std::chrono::milliseconds(0);
    }
    session_.advance_to(clock_.now());
    switch_flow_if_due();  // data about to start: XON/XOFF before the first byte of it
    auto out = session_.take_output();
    if (pending_.empty()) last_write_progress_ = clock_.now();
    pending_.insert(pending_.end(), out.begin(), out.end());
    if (!pending_.empty() && !done_) {
        auto w = transport_.write(pending_, write_wait);
        if (!w) return fail_transport(w.take_error());
        if (*w > 0) last_write_progress_ = clock_.now();
        pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(*w));
        if (!pending_.empty() && !session_.finished() &&
            clock_.now() - last_write_progress_ > std::chrono::duration_cast<Samples>(options_.write_stall))
            return fail_transport(Error{Errc::Timeout, "the modem took no data for " +
                                                           std::to_string(options_.write_stall.count()) + " s"});
    }
    switch_flow_if_due();  // data just ended: back to no flow control once it has left
    if (session_.finished() && !done_) {
        // The last bytes (after DCN) get a few seconds to leave; a modem that no longer
        // takes them does not hold the call open.
        if (finished_at_ < Samples{0}) finished_at_ = clock_.now();
        if (pending_.empty() || clock_.now() - finished_at_ > std::chrono::seconds(5)) done_ = true;
    }
}

Status run_realtime(CallSession& session, hal::Transport& transport, const RealtimeOptions& options) {
    RealtimeRunner runner(session, transport, options);
    FAX_TRY(runner.begin());
    while (!runner.finished()) {
        if (options.stop_requested && options.stop_requested()) runner.cancel();
        runner.service(options.poll);
    }
    return runner.status();
}

}  // namespace fax::t30
