// faxctl's exit statuses: scripts branch on them, so they are part of the interface
// (docs/faxctl.md) and never renumbered.
#pragma once

namespace fax::faxctl {

enum class Exit : int {
    Ok = 0,                  // cleared / delivered / intact / done
    Failure = 1,             // the station could not do its work (database, spool, internal)
    InvalidInput = 2,        // bad arguments, configuration, request file or document
    Refused = 3,             // the gate refused the request (a decision, recorded in the audit trail)
    TransmissionFailed = 4,  // cleared, but not every page was confirmed by the remote
    AuditProblem = 5,        // the audit trail failed verification
    StoreUnavailable = 6,    // the shared store's server cannot be reached: nothing was cleared or dialled
};

inline int code(Exit e) { return static_cast<int>(e); }

}  // namespace fax::faxctl
