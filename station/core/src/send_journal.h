// Internal to fax_station: the journal of a foreground send (faxctl send,
// directory test-fax), so that a send killed mid-call is reconciled at the next start.
//
// <spool>/<job>.sending exists from before the modem is opened until the outcome is in
// the audit trail. Its first line names the job, the pages cleared and when the send
// started; every page the remote confirms with MCF is appended ("page N") and synced
// before the call goes on. The sender holds an exclusive flock on it for as long as it
// runs, so a file nobody holds belongs to a send that died. It is made as a private
// temporary (0600, O_CREAT|O_EXCL|O_NOFOLLOW), locked and written, then renamed into
// place: a reconciler never sees a half-written or unlocked journal of a live send.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "fax/base/result.h"
#include "fax/base/unique_fd.h"
#include "fax/gate/audit_log.h"
#include "fax/gate/release_gate.h"

namespace fax::station::detail {

class SendJournal {
public:
    // Creates <dir>/<job>.sending for a send of `pages` pages (1 = cover) starting now.
    static Result<SendJournal> create(const std::filesystem::path& dir, const std::string& job_id, int pages,
                                      std::chrono::system_clock::time_point now);
    // A page of the cleared document the remote confirmed: durable when this returns.
    Status page_confirmed(int page);
    // The outcome is recorded: the journal goes (the lock with it).
    void remove();

private:
    SendJournal(UniqueFd fd, std::filesystem::path path) : fd_(std::move(fd)), path_(std::move(path)) {}
    UniqueFd fd_;
    std::filesystem::path path_;
    std::vector<int> written_;
};

std::filesystem::path journal_path(const std::filesystem::path& dir, const std::string& job_id);

// Every journal in `spool_dir` that no live process holds: records the job's outcome
// (attempt 1: exactly the pages the journal confirms; partial, or failed with none) unless
// one is recorded already, removes the job's spooled file and the journal. Returns how
// many were reconciled.
Result<int> reconcile_foreground_sends(const std::filesystem::path& spool_dir, gate::ReleaseGate& gate,
                                       gate::AuditLog& audit, std::chrono::system_clock::time_point now);

}  // namespace fax::station::detail
