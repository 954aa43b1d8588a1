// faxd: the station daemon. One process, one thread, one poll() loop over every
// configured modem, each a ModemPort (serial or USB, Class 1 or Class 2.0): each idle
// modem takes the next due job from the queue (the gate re-checks it first), runs the
// call with a t30::RealtimeRunner, records every MCF-confirmed page as it arrives and
// hands the result to the dispatcher, which records the outcome and schedules a retry
// or closes the job. Start-up first completes whatever a crash interrupted
// (Dispatcher::recover). SIGTERM/SIGINT end running calls with DCN and exit once every
// call is over; the interrupted jobs go again at the next start.
//
// A modem that is not attached (or is unplugged, even mid-call) is "absent": its
// attempt is recorded with the pages confirmed so far, the job goes back to the queue
// for any modem, and the port is looked for again when USB hot-plug reports an arrival
// (or every reopen_delay); a modem that comes back is probed again. What each modem is
// doing is written to the queue's modem_status table for `faxctl modems`.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "fax/base/result.h"
#include "fax/station/modem_port.h"
#include "fax/station/station.h"

namespace fax::station {

struct DaemonOptions {
    std::vector<ModemConfig> modems;
    std::string ident = "FAXSTACK";
    // Exit once no job is queued or running (for tests and one-shot runs).
    bool exit_when_idle = false;
    // How often an idle modem looks at the queue.
    std::chrono::milliseconds queue_poll{500};
    // After a modem could not be opened, wait this long before trying it again.
    std::chrono::seconds reopen_delay{30};
    // Write a PNG + PDF transmission report for each closed job.
    bool reports = true;
    // Where devices are looked for (tests: a umockdev testbed).
    PortEnvironment environment = default_port_environment();
    // Watch USB hot-plug (when a modem is named by USB identity, port or auto).
    bool watch_usb = true;
};

// Runs until `stop_requested()` (polled) and every call is over, or until idle with
// exit_when_idle. Errors: a store that fails (the daemon cannot go on without its
// queue and audit trail).
Status run_daemon(Station& station, const DaemonOptions& options, const std::function<bool()>& stop_requested);

}  // namespace fax::station
