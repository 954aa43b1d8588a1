#include "send_journal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstream>

#include "fax/base/log.h"

namespace fax::station::detail {
namespace {

constexpr const char* kLog = "reconcile";
constexpr std::string_view kMagic = "fax-foreground-send/1";

std::string errno_text() { return std::strerror(errno); }

Status write_all(int fd, const std::string& s, const std::filesystem::path& p) {
    std::size_t done = 0;
    while (done < s.size()) {
        const ssize_t n = ::write(fd, s.data() + done, s.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return fail(Errc::Io, "send journal " + p.string() + ": " + errno_text());
        done += static_cast<std::size_t>(n);
    }
    if (::fdatasync(fd) != 0) return fail(Errc::Io, "send journal " + p.string() + ": " + errno_text());
    return {};
}

bool valid_job_id(const std::string& id) {
    if (id.empty() || id.size() > 64) return false;
    for (char c : id)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_'))
            return false;
    return true;
}

struct Parsed {
    std::string job_id;
    int pages = 0;
    int64_t started_ms = 0;
    std::vector<int> confirmed;
};

std::optional<Parsed> parse(const std::string& text) {
    std::istringstream in(text);
    std::string magic;
    Parsed p;
    if (!(in >> magic >> p.job_id >> p.pages >> p.started_ms) || magic != kMagic || !valid_job_id(p.job_id) ||
        p.pages < 1)
        return std::nullopt;
    std::string word;
    int page = 0;
    // A line cut by the kill is ignored: only whole "page N" lines were synced as written.
    while (in >> word >> page) {
        if (word != "page" || page < 1 || page > p.pages) continue;
        if (std::find(p.confirmed.begin(), p.confirmed.end(), page) == p.confirmed.end()) p.confirmed.push_back(page);
    }
    std::sort(p.confirmed.begin(), p.confirmed.end());
    return p;
}

}  // namespace

std::filesystem::path journal_path(const std::filesystem::path& dir, const std::string& job_id) {
    return dir / (job_id + ".sending");
}

Result<SendJournal> SendJournal::create(const std::filesystem::path& dir, const std::string& job_id, int pages,
                                        std::chrono::system_clock::time_point now) {
    if (!valid_job_id(job_id)) return fail(Errc::InvalidArgument, "send journal: not a job id");
    const auto final_path = journal_path(dir, job_id);
    auto tmp = final_path;
    tmp += ".part";
    UniqueFd fd(::open(tmp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd) return fail(Errc::Io, "send journal " + tmp.string() + ": " + errno_text());
    if (::flock(fd.get(), LOCK_EX) != 0) {
        ::unlink(tmp.c_str());
        return fail(Errc::Io, "send journal " + tmp.string() + ": " + errno_text());
    }
    const int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    auto s = write_all(fd.get(), std::string(kMagic) + " " + job_id + " " + std::to_string(pages) + " " +
                                     std::to_string(ms) + "\n",
                       tmp);
    if (!s || ::rename(tmp.c_str(), final_path.c_str()) != 0) {
        ::unlink(tmp.c_str());
        return fail(s ? Error{Errc::Io, "send journal " + final_path.string() + ": " + errno_text()} : s.take_error());
    }
    return SendJournal(std::move(fd), final_path);
}

Status SendJournal::page_confirmed(int page) {
    if (std::find(written_.begin(), written_.end(), page) != written_.end()) return {};
    FAX_TRY(write_all(fd_.get(), "page " + std::to_string(page) + "\n", path_));
    written_.push_back(page);
    return {};
}

void SendJournal::remove() {
    if (!fd_) return;
    ::unlink(path_.c_str());
    fd_.reset();
}

Result<int> reconcile_foreground_sends(const std::filesystem::path& spool_dir, gate::ReleaseGate& gate,
                                       gate::AuditLog& audit, std::chrono::system_clock::time_point now) {
    std::error_code ec;
    if (!std::filesystem::is_directory(spool_dir, ec)) return 0;
    std::vector<std::filesystem::path> journals;
    for (const auto& e : std::filesystem::directory_iterator(spool_dir, ec))
        if (e.path().extension() == ".sending") journals.push_back(e.path());
    int n = 0;
    for (const auto& path : journals) {
        UniqueFd fd(::open(path.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
        if (!fd) continue;  // gone (another reconciler), or not ours to follow
        struct stat st {};
        if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) continue;  // its send is still running
        // Reconciled and unlinked by another process while we waited for the lock.
        if (::fstat(fd.get(), &st) != 0 || st.st_nlink == 0 || st.st_size > 65536) continue;
        std::string text(static_cast<std::size_t>(st.st_size), '\0');
        if (::pread(fd.get(), text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) continue;
        const auto j = parse(text);
        if (!j || path.filename() != journal_path(spool_dir, j->job_id).filename()) {
            FAX_LOG(Warn, kLog, "send journal " + path.string() + " is not readable; left in place");
            continue;
        }
        auto outcomes = audit.find_outcomes(j->job_id);
        if (!outcomes) return fail(outcomes.take_error());
        auto closure = audit.find_closure(j->job_id);
        if (!closure) return fail(closure.take_error());
        if (outcomes->empty() && !*closure) {
            gate::TransmissionOutcome o;
            o.attempt = 1;
            o.confirmed_pages = j->confirmed;
            o.pages_confirmed = static_cast<int>(j->confirmed.size());
            o.pages_sent = o.pages_confirmed;  // at least these; the rest is unknown
            o.completion = o.pages_confirmed > 0 ? gate::CompletionCode::Partial : gate::CompletionCode::Failed;
            o.detail = "interrupted: the foreground send stopped during the call; only pages recorded as confirmed count";
            o.started_at = std::chrono::system_clock::time_point(std::chrono::milliseconds(j->started_ms));
            o.finished_at = now;
            FAX_TRY(gate.record_outcome(j->job_id, o));
            FAX_LOG(Warn, kLog, "job " + j->job_id + ": a foreground send was interrupted; its outcome is recorded with " +
                                    std::to_string(o.pages_confirmed) + " confirmed page(s)");
        }
        // The spooled fax (cover + record pages) is not needed once the outcome is in.
        std::filesystem::remove(spool_dir / (j->job_id + ".tif"), ec);
        ::unlink(path.c_str());
        ++n;
    }
    return n;
}

}  // namespace fax::station::detail
