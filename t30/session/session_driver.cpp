#include "fax/t30/session_driver.h"

#include <array>

namespace fax::t30 {

Status run_realtime(FaxSession& session, hal::Transport& transport, const RealtimeOptions& opts) {
    SteadyClock clock;
    std::array<uint8_t, 4096> buf{};
    const Samples limit = std::chrono::duration_cast<Samples>(opts.limit);
    bool tx_flow = false;
    bool cancelled = false;
    if (opts.flow != hal::FlowControl::Software) FAX_TRY(transport.set_flow_control(opts.flow));
    else FAX_TRY(transport.set_flow_control(hal::FlowControl::None));
    session.advance_to(clock.now());
    while (!session.finished()) {
        if (!cancelled && ((opts.stop_requested && opts.stop_requested()) || clock.now() > limit)) {
            cancelled = true;
            session.cancel();
        }
        auto out = session.take_output();
        if (!out.empty()) {
            if (auto w = hal::write_all(transport, out, std::chrono::milliseconds(30000)); !w.ok()) {
                session.transport_failed(w.error());
                return w;
            }
        }
        if (opts.flow == hal::FlowControl::Software && session.transmitting_data() != tx_flow) {
            // Drain first so a flow-control change never applies to bytes already queued.
            tx_flow = session.transmitting_data();
            if (!tx_flow) (void)transport.drain(std::chrono::milliseconds(5000));
            FAX_TRY(transport.set_flow_control(tx_flow ? hal::FlowControl::Software : hal::FlowControl::None));
        }
        auto n = transport.read(buf, opts.poll);
        if (!n) {
            session.transport_failed(n.error());
            return fail(n.take_error());
        }
        if (*n > 0) session.on_bytes(std::span<const uint8_t>(buf.data(), *n));
        session.advance_to(clock.now());
    }
    auto out = session.take_output();
    if (!out.empty()) FAX_TRY(hal::write_all(transport, out, std::chrono::milliseconds(5000)));
    return {};
}

}  // namespace fax::t30
