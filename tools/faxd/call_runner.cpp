#include "call_runner.h"

#include <array>

namespace fax::faxd {

CallRunner::CallRunner(t30::FaxSession& session, hal::Transport& transport, hal::FlowControl flow,
                       std::chrono::seconds call_limit)
    : session_(session),
      transport_(transport),
      flow_(flow),
      limit_(std::chrono::duration_cast<Samples>(call_limit)) {}

double CallRunner::elapsed_seconds() const { return std::chrono::duration<double>(clock_.now()).count(); }

void CallRunner::fail_transport(Error e) {
    status_ = fail(e);
    session_.transport_failed(std::move(e));
    done_ = true;
}

Status CallRunner::begin() {
    FAX_TRY(transport_.set_flow_control(flow_ == hal::FlowControl::Software ? hal::FlowControl::None : flow_));
    session_.advance_to(clock_.now());
    return {};
}

void CallRunner::cancel() {
    if (!cancelled_) {
        cancelled_ = true;
        session_.cancel();
    }
}

void CallRunner::service() {
    if (done_) return;
    if (clock_.now() > limit_) {
        if (!cancelled_) status_ = fail(Errc::Timeout, "the call took longer than the call limit");
        cancel();
    }
    std::array<uint8_t, 4096> buf{};
    for (;;) {
        auto n = transport_.read(buf, std::chrono::milliseconds(0));
        if (!n) return fail_transport(n.take_error());
        if (*n == 0) break;
        session_.on_bytes(std::span<const uint8_t>(buf.data(), *n));
        if (*n < buf.size()) break;
    }
    session_.advance_to(clock_.now());
    auto out = session_.take_output();
    pending_.insert(pending_.end(), out.begin(), out.end());
    if (!pending_.empty()) {
        auto w = transport_.write(pending_, std::chrono::milliseconds(0));
        if (!w) return fail_transport(w.take_error());
        pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(*w));
    }
    if (flow_ == hal::FlowControl::Software && session_.transmitting_data() != tx_flow_ && pending_.empty()) {
        // Drain first so a flow-control change never applies to bytes already queued.
        tx_flow_ = session_.transmitting_data();
        if (!tx_flow_) (void)transport_.drain(std::chrono::milliseconds(5000));
        if (auto s = transport_.set_flow_control(tx_flow_ ? hal::FlowControl::Software : hal::FlowControl::None); !s)
            return fail_transport(s.take_error());
    }
    if (session_.finished()) {
        // The last bytes (after DCN) get a few seconds to leave; a modem that no longer
        // takes them does not hold the call open.
        if (finished_at_.count() == 0) finished_at_ = clock_.now();
        if (pending_.empty() || clock_.now() - finished_at_ > std::chrono::seconds(5)) done_ = true;
    }
}

}  // namespace fax::faxd
